/// The ticket lifecycle of DOMAIN.md as a pure state machine: which verb may be applied in which
/// state, by which roles, and where it leads.
public enum Verb: String, Sendable, CaseIterable, Codable {
    case answer, reject, transfer, merge, dispatch, accept
    case `return` = "return"
    case returnDecision = "return-decision"
    case extensionRequest = "extension"
    case extensionDecision = "extension-decision"
    case reply
    case replyReview = "reply-review"
    case callback
    case escalate
    case terminate

    /// Who may apply the verb (API.md's table). Handlers are further limited to their own units.
    public var roles: Set<Role> {
        switch self {
        case .answer, .reject, .transfer: return [.agent]
        case .merge: return [.agent, .dispatcher]
        case .dispatch: return [.dispatcher, .agent]
        case .accept, .return, .extensionRequest, .reply: return [.handler]
        case .returnDecision, .extensionDecision, .replyReview: return [.dispatcher]
        case .callback: return [.callback]
        case .escalate: return [.supervisor]
        case .terminate: return [.dispatcher, .supervisor]
        }
    }

    /// Verbs a unit's handler performs on its own assignment.
    public var isUnitAction: Bool { [.accept, .return, .extensionRequest, .reply].contains(self) }
}

public enum Lifecycle {
    /// States from which a verb may start (decisions that depend on an outcome are resolved by `target`).
    public static func allowed(_ verb: Verb, from s: TicketStatus) -> Bool {
        switch verb {
        case .answer, .reject, .transfer, .merge: return s == .registered
        case .dispatch: return s == .registered
        case .accept: return s == .dispatched
        case .return: return s == .dispatched || s == .accepted || s == .reopened
        case .returnDecision: return s == .returnRequested
        case .extensionRequest: return s == .accepted || s == .reopened
        case .extensionDecision: return s == .extensionRequested
        case .reply: return s == .accepted || s == .reopened
        case .replyReview: return s == .replied
        case .callback: return s == .awaitingCallback || s == .answered
        case .escalate: return [.dispatched, .accepted, .returnRequested, .extensionRequested, .reopened].contains(s)
        case .terminate: return s.isOpen
        }
    }

    /// Every verb allowed from a state (for the 409 answer).
    public static func allowedVerbs(from s: TicketStatus) -> [Verb] {
        Verb.allCases.filter { allowed($0, from: s) }
    }

    /// The state a verb leads to. `approve` is the decision of a *-decision / review verb;
    /// `resume` is the state before a request (a rejected return goes back there).
    public static func target(_ verb: Verb, from s: TicketStatus, approve: Bool = true, resume: TicketStatus? = nil) -> TicketStatus? {
        guard allowed(verb, from: s) else { return nil }
        switch verb {
        case .answer: return .answered
        case .reject: return .rejected
        case .transfer: return .transferred
        case .merge: return .merged
        case .dispatch: return .dispatched
        case .accept: return .accepted
        case .return: return .returnRequested
        case .returnDecision: return approve ? .dispatched : (resume ?? .accepted)
        case .extensionRequest: return .extensionRequested
        case .extensionDecision: return resume ?? .accepted
        case .reply: return .replied
        case .replyReview: return approve ? .awaitingCallback : .accepted
        case .callback: return nil  // decided by the callback outcome (callback issue)
        case .escalate: return s    // a record, not a state change
        case .terminate: return .terminated
        }
    }
}

/// 三单一函: the escalation ladder.
public enum EscalationLevel: String, Sendable, CaseIterable, Codable, Comparable {
    case reminder, urging, supervision, referral

    public var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
    public var next: EscalationLevel? { rank + 1 < Self.allCases.count ? Self.allCases[rank + 1] : nil }
}
