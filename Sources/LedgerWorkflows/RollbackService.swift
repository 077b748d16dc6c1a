import EPAClient
import Foundation
import LedgerCore

/// A rollback: which model, why, who; the plain input of ``RollbackService``.
public struct RollbackRequest: Sendable {
    /// The model to roll back (already validated).
    public var model: String
    /// Why.
    public var reason: String
    /// Who.
    public var provenance: Provenance
    /// The status words for the pre-flight check of the target job; nil skips it.
    public var preflightWords: JobStatusWords?
    /// The whole-call deadline (seconds).
    public var callTimeout: Double
    /// The approved proposal for the rollback's target job, when the policy requires approval
    /// (nil: the one open proposal for the target job, if the policy requires one).
    public var proposalSeq: Int64?
    /// An emergency rollback (only where the policy allows it; opens a required review).
    public var emergency: Bool
    /// The policy file given to this writer, if any.
    public var policy: LoadedPolicy?

    /// Creates a request.
    public init(
        model: String, reason: String, provenance: Provenance, preflightWords: JobStatusWords?, callTimeout: Double,
        proposalSeq: Int64? = nil, emergency: Bool = false, policy: LoadedPolicy? = nil
    ) {
        self.model = model
        self.reason = reason
        self.provenance = provenance
        self.preflightWords = preflightWords
        self.callTimeout = callTimeout
        self.proposalSeq = proposalSeq
        self.emergency = emergency
        self.policy = policy
    }
}

/// Rolls a model back to the job that was live before the current one, from the ledger's own
/// history (``RollbackPlan``): a normal audited switch (``SwitchService``: pre-flight, durable
/// request, one PUT, completion), subject to the policy in force, with `details.rollback_of`.
///
/// Throws ``ApprovalRefusal`` (nothing written, nothing sent) when there is nothing to roll back to
/// or the policy is not satisfied; otherwise what ``SwitchService`` throws.
public struct RollbackService {
    /// The switch service that runs the rollback.
    public let switchService: SwitchService

    /// A service writing to `session` and calling the API with `client` and `apiKey`.
    public init(session: LedgerSession, client: EPAClient, apiKey: String) {
        switchService = SwitchService(session: session, client: client, apiKey: apiKey)
    }

    /// What a rollback of `model` would do now, or nil when there is nothing to roll back to.
    public static func plan(model: String, store: LedgerStore) throws -> RollbackPlan.Target? {
        RollbackPlan.target(try ApprovalLedger.switches(model: model, in: store))
    }

    /// Runs the rollback: the plan, then the switch to its target.
    public func run(_ request: RollbackRequest) async throws -> (target: RollbackPlan.Target, result: SwitchResult) {
        guard let target = try Self.plan(model: request.model, store: switchService.session.store) else {
            throw ApprovalRefusal(
                "model \(request.model) has nothing to roll back to: the ledger records fewer than two jobs made live by successful switches (rolled-back switches do not count)"
            )
        }
        var switchRequest = SwitchRequest(
            model: request.model, retrainJobID: target.retrainJobID, reason: request.reason, provenance: request.provenance,
            preflightWords: request.preflightWords, callTimeout: request.callTimeout)
        switchRequest.proposalSeq = request.proposalSeq
        switchRequest.emergency = request.emergency
        switchRequest.rollbackOf = target.rollbackOf
        switchRequest.policy = request.policy
        return (target, try await switchService.run(switchRequest))
    }
}
