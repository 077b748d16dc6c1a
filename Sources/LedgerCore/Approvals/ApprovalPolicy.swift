import Foundation

/// Why a policy was refused: the key (a dotted path such as `models.churn.approval_ttl`) and what is wrong.
public struct ApprovalPolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The dotted key path (`default.approvals_required`, `models.churn`, or the empty string for the whole file).
    public var key: String
    /// What is wrong with it, in words.
    public var reason: String

    /// An error about `key`.
    public init(key: String, reason: String) {
        self.key = key
        self.reason = reason
    }

    public var description: String { key.isEmpty ? reason : "\(key): \(reason)" }
}

/// A parsed approval policy: the rules of `[default]` and of each `[models.NAME]`, already merged
/// (a model's table inherits every key it does not set from `[default]`).
///
/// Pure: no I/O. The file format (TOML) is read by `LedgerWorkflows`, which hands the table over as
/// a ``JSONValue`` object of the same shape; a recorded `policy.set` is read back the same way.
/// The canonical JSON (RFC 8785) of the merged form is what `policy.set` records, and its SHA-256
/// tells whether the policy changed. docs/policy.md documents the file and the rules.
public struct ApprovalPolicy: Sendable, Equatable {
    /// The rules for one model.
    public struct Rules: Sendable, Equatable {
        /// How many distinct approvers a switch needs (0 = no approval needed).
        public var approvalsRequired: Int
        /// Whether the person who proposed a switch may approve it.
        public var requesterMayApprove: Bool
        /// How long an approval stays valid, as written (e.g. `24h`); nil = no expiry.
        public var approvalTTL: String?
        /// ``approvalTTL`` in seconds.
        public var approvalTTLSeconds: Int64?
        /// Whether `switch --emergency` is allowed (it opens a required post-hoc review).
        public var emergencyAllowed: Bool
        /// Who may approve; nil = anyone but the requester.
        public var approvers: [String]?

        /// Rules built from their values (`approvalTTL` must be a duration ``ApprovalPolicy/seconds(ofDuration:)`` accepts).
        public init(
            approvalsRequired: Int, requesterMayApprove: Bool = false, approvalTTL: String? = nil, emergencyAllowed: Bool = false,
            approvers: [String]? = nil
        ) {
            self.approvalsRequired = approvalsRequired
            self.requesterMayApprove = requesterMayApprove
            self.approvalTTL = approvalTTL
            self.approvalTTLSeconds = approvalTTL.flatMap { ApprovalPolicy.seconds(ofDuration: $0) }
            self.emergencyAllowed = emergencyAllowed
            self.approvers = approvers
        }

        /// What applies when no policy is in force: no approval needed, no emergency path.
        public static let noPolicy = Rules(approvalsRequired: 0, requesterMayApprove: true)

        /// What a `[default]` table that sets nothing means: one approval by someone other than the
        /// requester, no expiry, no emergency path.
        public static let builtInDefault = Rules(approvalsRequired: 1)

        /// The rules as a JSON object (every key present; absent values as `null`).
        public var jsonValue: JSONValue {
            var object: [String: JSONValue] = [
                "approvals_required": .integer(Int64(approvalsRequired)),
                "requester_may_approve": .bool(requesterMayApprove),
                "approval_ttl": approvalTTL.map { .string($0) } ?? .null,
                "emergency_allowed": .bool(emergencyAllowed),
            ]
            object["approvers"] = approvers.map { .array($0.map { .string($0) }) } ?? .null
            return .object(object)
        }
    }

    /// The rules of `[default]`.
    public var defaults: Rules
    /// The rules of each `[models.NAME]`, merged with `[default]`.
    public var models: [String: Rules]
    /// The canonical JSON of the merged policy (what `policy.set` records).
    public let canonicalJSON: String
    /// Lower-case hex SHA-256 of ``canonicalJSON``.
    public let sha256: String

    /// The rules for `model`: its own table when there is one, else `[default]`.
    public func rules(for model: String) -> Rules { models[model] ?? defaults }

    /// The merged policy as a JSON object: `{"default": {...}, "models": {"NAME": {...}}}`.
    public var jsonValue: JSONValue {
        .object(["default": defaults.jsonValue, "models": .object(models.mapValues(\.jsonValue))])
    }

    private static let ruleKeys: Set<String> = ["approvals_required", "requester_may_approve", "approval_ttl", "emergency_allowed"]

    /// Parses a policy from its table form (TOML read as JSON, or a recorded `policy.set`'s `details.policy`).
    ///
    /// Refuses unknown keys, wrong types, a model or approver name ``Identifier`` refuses, a duration
    /// that is not `<number><s|m|h|d>`… , an empty `approvers` list and an `approvals_required` that
    /// the listed approvers could never reach; every error names its key.
    public init(json: JSONValue) throws(ApprovalPolicyError) {
        guard let top = json.objectValue else { throw ApprovalPolicyError(key: "", reason: "a policy must be a table") }
        for key in top.keys.sorted() where key != "default" && key != "models" {
            throw ApprovalPolicyError(key: key, reason: "unknown key (expected [default] and [models.NAME])")
        }
        var defaults = Rules.builtInDefault
        if let table = top["default"] {
            guard let object = table.objectValue else { throw ApprovalPolicyError(key: "default", reason: "must be a table") }
            defaults = try Self.rules(object, path: "default", base: defaults, allowApprovers: false)
        }
        var models: [String: Rules] = [:]
        if let table = top["models"] {
            guard let object = table.objectValue else { throw ApprovalPolicyError(key: "models", reason: "must be a table of [models.NAME] tables") }
            for name in object.keys.sorted() {
                let path = "models.\(name)"
                if let problem = Identifier.problem(with: name) {
                    throw ApprovalPolicyError(key: "models.\(Identifier.escaped(name))", reason: "not a model name: \(problem)")
                }
                guard let rules = object[name]?.objectValue else { throw ApprovalPolicyError(key: path, reason: "must be a table") }
                models[name] = try Self.rules(rules, path: path, base: defaults, allowApprovers: true)
            }
        }
        self.defaults = defaults
        self.models = models
        let canonical = CanonicalJSON.string(.object(["default": defaults.jsonValue, "models": .object(models.mapValues(\.jsonValue))]))
        canonicalJSON = canonical
        sha256 = (try? Digest.sha256Hex(canonical)) ?? ""
    }

    /// Reads back the policy recorded by a `policy.set` entry (`details.policy`).
    public init(recorded entry: LedgerEntry) throws(ApprovalPolicyError) {
        guard let policy = entry.detailsObject?["policy"] else {
            throw ApprovalPolicyError(key: "", reason: "policy.set seq \(entry.seq) records no policy")
        }
        try self.init(json: policy)
    }

    private static func rules(_ table: [String: JSONValue], path: String, base: Rules, allowApprovers: Bool) throws(ApprovalPolicyError) -> Rules {
        var rules = base
        rules.approvers = nil
        // `approvers: null` is the recorded form's "absent" (also in `default`).
        for key in table.keys.sorted() where !ruleKeys.contains(key) && !(key == "approvers" && (allowApprovers || table[key] == .null)) {
            let hint = key == "approvers" ? "approvers is only allowed in [models.NAME]" : "unknown key"
            throw ApprovalPolicyError(key: "\(path).\(key)", reason: hint)
        }
        for (key, value) in table.sorted(by: { $0.key < $1.key }) {
            let keyPath = "\(path).\(key)"
            switch (key, value) {
            case ("approval_ttl", .null), ("approvers", .null):
                continue  // the recorded form's "absent"
            case ("approvals_required", .integer(let n)):
                guard (0...100).contains(n) else { throw ApprovalPolicyError(key: keyPath, reason: "must be between 0 and 100, not \(n)") }
                rules.approvalsRequired = Int(n)
            case ("approvals_required", _):
                throw ApprovalPolicyError(key: keyPath, reason: "must be an integer (e.g. 1)")
            case ("requester_may_approve", .bool(let b)):
                rules.requesterMayApprove = b
            case ("emergency_allowed", .bool(let b)):
                rules.emergencyAllowed = b
            case ("requester_may_approve", _), ("emergency_allowed", _):
                throw ApprovalPolicyError(key: keyPath, reason: "must be true or false")
            case ("approval_ttl", .string(let text)):
                guard let seconds = seconds(ofDuration: text) else {
                    throw ApprovalPolicyError(
                        key: keyPath,
                        reason:
                            "\"\(Identifier.escaped(text))\" is not a duration: use a positive number and a unit s, m, h or d (e.g. \"30m\", \"24h\", \"7d\"), at most 3650d"
                    )
                }
                rules.approvalTTL = text
                rules.approvalTTLSeconds = seconds
            case ("approval_ttl", _):
                throw ApprovalPolicyError(key: keyPath, reason: "must be a string such as \"24h\"")
            case ("approvers", .array(let items)):
                var names: [String] = []
                for item in items {
                    guard let name = item.stringValue else { throw ApprovalPolicyError(key: keyPath, reason: "must be a list of names (strings)") }
                    if let problem = Identifier.problem(with: name) {
                        throw ApprovalPolicyError(key: keyPath, reason: "\"\(Identifier.escaped(name))\" is not a name: \(problem)")
                    }
                    if !names.contains(name) { names.append(name) }
                }
                guard !names.isEmpty else {
                    throw ApprovalPolicyError(key: keyPath, reason: "must name at least one approver (leave it out to let anyone but the requester approve)")
                }
                rules.approvers = names.sorted()
            case ("approvers", _):
                throw ApprovalPolicyError(key: keyPath, reason: "must be a list of names, e.g. [\"carol\", \"dave\"]")
            default:
                throw ApprovalPolicyError(key: keyPath, reason: "unknown key")
            }
        }
        if let approvers = rules.approvers, approvers.count < rules.approvalsRequired {
            throw ApprovalPolicyError(
                key: "\(path).approvals_required",
                reason: "\(rules.approvalsRequired) approvals required but only \(approvers.count) approver(s) listed: no switch could ever be approved")
        }
        return rules
    }

    /// Seconds in a duration such as `30s`, `30m`, `24h`, `7d` or `1h30m` (positive, at most 3650 days); nil otherwise.
    public static func seconds(ofDuration text: String) -> Int64? {
        var total: Int64 = 0
        var number: Int64?
        var sawUnit = false
        for scalar in text.unicodeScalars {
            if let digit = Int64(exactly: scalar.value), (48...57).contains(digit) {
                let d = digit - 48
                let current = number ?? 0
                guard current < 1_000_000_000 else { return nil }
                number = current * 10 + d
                continue
            }
            let unit: Int64
            switch scalar {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            case "d": unit = 86_400
            default: return nil
            }
            guard let n = number else { return nil }
            total += n * unit
            guard total <= 3650 * 86_400 else { return nil }
            number = nil
            sawUnit = true
        }
        guard sawUnit, number == nil, total > 0 else { return nil }
        return total
    }
}
