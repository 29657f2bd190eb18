import { describe, expect, it } from "vitest";
import { allowlistHost, checkTarget, isPrivateIpv4, isPrivateIpv6 } from "../../workers/media/target-policy.ts";

const HOSTS = ["media.acme.test", "cdn.acme.test"];
const code = (url: string, base?: string) => {
  const r = checkTarget(url, base ? new URL(base) : undefined, HOSTS);
  return r.ok ? "ok" : r.code;
};

describe("media proxy target policy", () => {
  it("accepts https URLs on allowlisted hosts, resolving relative redirects", () => {
    expect(code("https://media.acme.test/f/1")).toBe("ok");
    expect(code("https://MEDIA.acme.test./f/1")).toBe("ok");
    expect(code("/other", "https://media.acme.test/f/1")).toBe("ok");
    expect(code("https://cdn.acme.test:443/x")).toBe("ok");
  });

  it("names private, loopback and link-local targets in every spelling the URL parser accepts", () => {
    for (const url of [
      "https://127.0.0.1/",
      "https://2130706433/", // decimal 127.0.0.1
      "https://0x7f.1/",
      "https://0177.0.0.1/",
      "https://169.254.169.254/latest/meta-data/",
      "https://10.1.2.3/",
      "https://172.31.255.255/",
      "https://192.168.1.1/",
      "https://100.64.0.1/",
      "https://0.0.0.0/",
      "https://[::1]/",
      "https://[::]/",
      "https://[::ffff:127.0.0.1]/",
      "https://[::ffff:a9fe:a9fe]/",
      "https://[fe80::1]/",
      "https://[fd00::1]/",
      "https://[64:ff9b::10.0.0.1]/",
      "https://localhost/",
      "https://metadata.localhost/",
    ]) {
      expect([url, code(url)]).toEqual([url, "private-address"]);
    }
  });

  it("refuses public IP literals and hosts off the allowlist, lookalikes included", () => {
    for (const url of ["https://8.8.8.8/", "https://[2606:4700::1111]/", "https://evil.test/", "https://media.acme.test.evil.test/", "https://xmedia.acme.test/", "https://acme.test/"]) {
      expect([url, code(url)]).toEqual([url, "host-not-allowed"]);
    }
  });

  it("refuses other schemes, credentials and ports", () => {
    for (const url of ["http://media.acme.test/", "ftp://media.acme.test/", "https://user:pw@media.acme.test/", "https://media.acme.test:8443/", "not a url", "file:///etc/passwd"]) {
      expect([url, code(url)]).toEqual([url, "invalid-source"]);
    }
  });

  it("classifies address ranges at their edges", () => {
    expect(isPrivateIpv4([172, 15, 255, 255])).toBe(false);
    expect(isPrivateIpv4([172, 16, 0, 0])).toBe(true);
    expect(isPrivateIpv4([100, 63, 255, 255])).toBe(false);
    expect(isPrivateIpv4([100, 127, 255, 255])).toBe(true);
    expect(isPrivateIpv4([1, 1, 1, 1])).toBe(false);
    expect(isPrivateIpv4([255, 255, 255, 255])).toBe(true);
    expect(isPrivateIpv6("2606:4700:4700::1111")).toBe(false);
    expect(isPrivateIpv6("::ffff:8.8.8.8")).toBe(false);
    expect(isPrivateIpv6("febf::1")).toBe(true);
    expect(isPrivateIpv6("fec0::1")).toBe(false);
    expect(isPrivateIpv6("not:an:address")).toBe(true);
  });
});

describe("allowlist entries (the registry's check, the proxy's policy)", () => {
  const entry = (raw: string) => {
    const r = allowlistHost(raw);
    return r.ok ? r.host : r.code;
  };

  it("stores a host as the proxy will compare it", () => {
    expect(entry("Media.Acme.Test")).toBe("media.acme.test");
    expect(entry("media.acme.test.")).toBe("media.acme.test");
    expect(checkTarget("https://MEDIA.acme.test./f", undefined, [entry("Media.Acme.Test.")]).ok).toBe(true);
  });

  it("refuses every host the proxy refuses whatever the allowlist, with the proxy's reason", () => {
    const cases: [string, string][] = [
      ["LOCALHOST", "private-address"],
      ["localhost.", "private-address"],
      ["a.LOCALHOST", "private-address"],
      ["0x7f000001", "private-address"],
      ["2130706433", "private-address"],
      ["0177.0.0.1", "private-address"],
      ["0x7f.1", "private-address"],
      ["127.0.0.1.", "private-address"],
      ["10.0.0.1", "private-address"],
      ["[::1]", "private-address"],
      ["[::ffff:7f00:1]", "private-address"],
      ["[FD00::1]", "private-address"],
      ["8.8.8.8", "host-not-allowed"],
      ["0x08080808", "host-not-allowed"],
      ["[2606:4700::1111]", "host-not-allowed"],
      ["media.acme.test:443", "invalid-source"],
      ["u@media.acme.test", "invalid-source"],
      ["media.acme.test/x", "invalid-source"],
      ["1.2.3.4.5", "invalid-source"],
      ["[::1", "invalid-source"],
      ["", "invalid-source"],
    ];
    for (const [raw, refusal] of cases) {
      expect([raw, entry(raw)]).toEqual([raw, refusal]);
      // Whatever the registry refuses, the proxy would never fetch, even if it were allowlisted.
      if (refusal !== "invalid-source") expect(checkTarget(`https://${raw}/f`, undefined, [raw, raw.toLowerCase()]).ok, raw).toBe(false);
    }
  });
});
