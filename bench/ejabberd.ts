// A private ejabberd for bench/peers.bench.ts: its own config, Mnesia spool and logs in a temp
// folder, one virtual host, a plaintext c2s listener on a free loopback port, in-band
// registration open to loopback only. Not the system service: the Erlang VM is started
// directly (what `ejabberdctl foreground` runs, minus its switch to the ejabberd user), as the
// current user, without Erlang distribution (no epmd, no node name), so nothing outlives it.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where Debian's package (`apt-get install ejabberd`) puts ejabberd's Erlang applications. */
const ERL_LIBS = "/usr/lib/x86_64-linux-gnu";
const ERL = "/usr/bin/erl";

export const EJABBERD_INSTALL_HINT = "ejabberd is not installed: on Debian/Ubuntu run `sudo apt-get install -y ejabberd` (the system service it starts is not used; the bench runs a private instance) to add its rows.";

/** Whether the Debian ejabberd package (and Erlang) is present. */
export function ejabberdInstalled(): boolean {
  return existsSync(ERL) && existsSync(ERL_LIBS) && readdirSync(ERL_LIBS).some((d) => /^ejabberd-\d/.test(d));
}

export interface Ejabberd {
  readonly host: string;
  readonly port: number;
  readonly domain: string;
  /** The beam.smp process (the whole server: every scheduler thread). */
  readonly pid: number;
  stop(): Promise<void>;
}

/** A free loopback TCP port (also used by bench/peers.bench.ts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/**
 * ejabberd.yml for the bench: no TLS, no shapers or rate limits, no offline storage, roster
 * and registration only; Mnesia (the default, in RAM with a disk log in the spool folder).
 */
function config(domain: string, port: number): string {
  return `hosts:
  - ${domain}
loglevel: warning
certfiles: []
listen:
  -
    port: ${port}
    ip: "127.0.0.1"
    module: ejabberd_c2s
    starttls: false
    starttls_required: false
    shaper: none
    access: all
    max_stanza_size: 262144
    # Erlang's default accept backlog (5) drops SYNs when 8 clients connect at once, and each
    # drop costs a 1 s retransmit: connections/s would measure TCP's timer, not ejabberd.
    backlog: 1024
auth_method: internal
# Registration is the bench's setup, not a workload: no per-IP registration cooldown.
registration_timeout: infinity
auth_password_format: plain
default_db: mnesia
acl:
  loopback:
    ip:
      - 127.0.0.0/8
access_rules:
  register:
    allow: all
  register_from:
    allow: loopback
shaper_rules: {}
modules:
  mod_roster: {}
  mod_register:
    ip_access: register_from
    access: register
    password_strength: 0
`;
}

/** Starts a private ejabberd and waits until its c2s port accepts connections. */
export async function startEjabberd(): Promise<Ejabberd> {
  const dir = mkdtempSync(join(tmpdir(), "parley-bench-ejabberd-"));
  const domain = "bench.localhost";
  const port = await freePort();
  const configPath = join(dir, "ejabberd.yml");
  writeFileSync(configPath, config(domain, port));
  const log = join(dir, "ejabberd.log");
  // +sbwt none: Erlang schedulers otherwise spin for a while before sleeping, which shows as
  // CPU time that serves no message; without it ejabberd's CPU per message would be inflated.
  const args = ["-noinput", "+K", "true", "+P", "250000", "+sbwt", "none", "+sbwtdcpu", "none", "+sbwtdio", "none", "-mnesia", "dir", `"${join(dir, "spool")}"`, "-s", "ejabberd"];
  const child: ChildProcess = spawn(ERL, args, {
    cwd: dir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ERL_LIBS, EJABBERD_CONFIG_PATH: configPath, EJABBERD_LOG_PATH: log, ERL_CRASH_DUMP: join(dir, "erl_crash.dump"), ERL_CRASH_DUMP_BYTES: "0" },
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  // Detached (its own process group, for the Erlang VM's helpers): if this process exits
  // without stop(), the group must not outlive it.
  const onExit = () => {
    try {
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  };
  process.once("exit", onExit);
  const stop = async () => {
    process.off("exit", onExit);
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // Already gone.
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // Already gone.
        }
      }, 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 60_000;
    while (!(await accepts(port))) {
      if (child.exitCode !== null) throw new Error(`ejabberd exited (${child.exitCode}):\n${output}\n${readLog(log)}`);
      if (Date.now() > deadline) throw new Error(`ejabberd did not listen on ${port} within 60 s:\n${output}\n${readLog(log)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const pid = beamPid(child.pid!);
    return { host: "127.0.0.1", port, domain, pid, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function readLog(path: string): string {
  try {
    return readFileSync(path, "utf8").slice(-4000);
  } catch {
    return "";
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** `erl` is a script that execs erlexec, which execs beam.smp: usually the same pid; else its child. */
function beamPid(pid: number): number {
  const comm = (p: number) => {
    try {
      return readFileSync(`/proc/${p}/comm`, "utf8").trim();
    } catch {
      return "";
    }
  };
  if (comm(pid).startsWith("beam")) return pid;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid && comm(Number(entry)).startsWith("beam")) return Number(entry);
    } catch {
      // Exited while listing.
    }
  }
  return pid;
}
