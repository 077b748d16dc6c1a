/// The audited workflows of model-ledger as library services. Each front end (the `ledger` CLI
/// today, a service later) parses its input, calls one of these and presents the result; the
/// protocol (pre-flight, durable request, service call, completion) lives only here.
public enum LedgerWorkflows {}
