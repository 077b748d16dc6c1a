/// Which job a rollback makes live, from the ledger's own history of one model's switches. Pure.
///
/// The successful switches of a model form a stack of live jobs: a switch pushes its job (a switch
/// to the job already live only replaces the top); a successful rollback (`details.rollback_of` = X)
/// pops X, the switch it undid. A rollback targets the job below the top and records
/// `rollback_of` = the top's `switch.requested` seq. So after A → B → C, one rollback makes B live
/// and a second makes A live: a rolled-back switch is never a target again. Switches that did not
/// succeed (failed, rejected, unresolved, or with completions that disagree) change nothing.
public enum RollbackPlan {
    /// One `switch.requested` of the model, in seq order, with whether it succeeded.
    public struct Switch: Sendable, Equatable {
        /// Its `switch.requested` seq.
        public var requestSeq: Int64
        /// The job it switched to.
        public var retrainJobID: String
        /// `details.rollback_of`, when it was a rollback.
        public var rollbackOf: Int64?
        /// Whether every completion recorded `succeeded` (and there is at least one).
        public var succeeded: Bool

        /// A switch record.
        public init(requestSeq: Int64, retrainJobID: String, rollbackOf: Int64?, succeeded: Bool) {
            self.requestSeq = requestSeq
            self.retrainJobID = retrainJobID
            self.rollbackOf = rollbackOf
            self.succeeded = succeeded
        }
    }

    /// A live job on the stack: the `switch.requested` that made it live and its job.
    public struct Live: Sendable, Equatable {
        public var requestSeq: Int64
        public var retrainJobID: String
    }

    /// What a rollback does: the switch it undoes and the job it makes live.
    public struct Target: Sendable, Equatable {
        /// The `switch.requested` seq being rolled back (the top of the stack).
        public var rollbackOf: Int64
        /// The job live now (being rolled back).
        public var fromJob: String
        /// The job the rollback makes live.
        public var retrainJobID: String
    }

    /// The stack of live jobs after `switches` (oldest first; the last is live now).
    public static func stack(_ switches: [Switch]) -> [Live] {
        var stack: [Live] = []
        for s in switches.sorted(by: { $0.requestSeq < $1.requestSeq }) where s.succeeded {
            if let undone = s.rollbackOf, let top = stack.last, top.requestSeq == undone {
                stack.removeLast()
                if stack.last?.retrainJobID != s.retrainJobID { stack.append(Live(requestSeq: s.requestSeq, retrainJobID: s.retrainJobID)) }
            } else if stack.last?.retrainJobID == s.retrainJobID {
                stack[stack.count - 1].requestSeq = s.requestSeq
            } else {
                stack.append(Live(requestSeq: s.requestSeq, retrainJobID: s.retrainJobID))
            }
        }
        return stack
    }

    /// The rollback after `switches`, or nil when there is nothing to roll back to (fewer than two live jobs in the history).
    public static func target(_ switches: [Switch]) -> Target? {
        let stack = stack(switches)
        guard stack.count >= 2 else { return nil }
        let top = stack[stack.count - 1], below = stack[stack.count - 2]
        return Target(rollbackOf: top.requestSeq, fromJob: top.retrainJobID, retrainJobID: below.retrainJobID)
    }
}
