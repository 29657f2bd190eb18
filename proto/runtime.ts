import $protobuf from "protobufjs/minimal.js";

// protobufjs switches to Node Buffer when it sees one, and workerd's Buffer (nodejs_compat)
// rejects protobufjs's utf8Write call for strings over 40 bytes. Plain Uint8Array readers and
// writers behave the same in every runtime, so the shared protocol layer always uses them.
($protobuf.util as { Buffer: unknown }).Buffer = null;
$protobuf.configure();

export { $protobuf };
