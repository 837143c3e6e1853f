/// The lifecycle of DOMAIN.md as a pure state machine: which verb may be applied in which state,
/// by which roles, and where it leads. `TicketDecision` applies it with the clocks.
public enum Verb: String, Sendable, CaseIterable, Codable {
    case answer, reject, transfer, merge, dispatch, accept
    case `return` = "return"
    case returnDecision = "return-decision"
    case extensionRequest = "extension"
    case extensionDecision = "extension-decision"
    case suspend
    case suspendDecision = "suspend-decision"
    case resume
    case coReply = "co-reply"
    case reply
    case replyReview = "reply-review"
    case callback
    case escalate
    case terminate
    case linkedResult = "linked-result"

    /// Who may apply the verb (API.md's tables). Handlers are further limited to their own units.
    public var roles: Set<Role> {
        switch self {
        case .answer, .reject, .transfer: return [.agent]
        case .merge: return [.agent, .dispatcher]
        case .dispatch: return [.dispatcher, .agent]
        case .accept, .return, .extensionRequest, .reply, .suspend, .coReply: return [.handler]
        case .returnDecision, .extensionDecision, .replyReview, .suspendDecision: return [.dispatcher]
        case .resume: return [.handler, .dispatcher]
        case .callback: return [.callback]
        case .escalate: return [.supervisor]
        case .terminate: return [.dispatcher, .supervisor]
        case .linkedResult: return [.partner]
        }
    }

    /// Verbs a unit's handler performs on the lead assignment.
    public var isLeadUnitAction: Bool { [.accept, .return, .extensionRequest, .reply, .suspend, .resume].contains(self) }
}

public enum Lifecycle {
    /// States in which assignments are running (a co-unit may sign and give its opinion).
    public static let working: Set<TicketStatus> = [.dispatched, .accepted, .returnRequested, .extensionRequested,
                                                    .suspensionRequested, .suspended, .replied, .reopened]

    /// States from which a verb may start on the lead's side (a co-unit's `accept` and `co-reply`
    /// are allowed in every working state; `TicketDecision` tells them apart).
    public static func allowed(_ verb: Verb, from s: TicketStatus) -> Bool {
        switch verb {
        case .answer, .reject, .transfer, .merge, .dispatch: return s == .registered
        case .accept: return s == .dispatched || s == .reopened
        case .return: return s == .dispatched || s == .accepted || s == .reopened
        case .returnDecision: return s == .returnRequested
        case .extensionRequest, .suspend, .reply: return s == .accepted
        case .extensionDecision: return s == .extensionRequested
        case .suspendDecision: return s == .suspensionRequested
        case .resume: return s == .suspended
        case .coReply: return working.contains(s)
        case .replyReview: return s == .replied
        case .callback: return s == .awaitingCallback
        case .escalate: return [.dispatched, .accepted, .returnRequested, .extensionRequested, .suspensionRequested, .suspended, .reopened].contains(s)
        case .terminate: return s.isOpen
        case .linkedResult: return s == .transferred
        }
    }

    /// Where a handler stands on a ticket: whether the active lead assignment is with its unit (or
    /// a unit below it), and whether an active co-assignment is, and has been signed for.
    public struct Standing: Sendable, Equatable {
        public var leadIsMine: Bool
        public var coIsMine: Bool
        public var coSigned: Bool
        public init(leadIsMine: Bool = false, coIsMine: Bool = false, coSigned: Bool = false) {
            self.leadIsMine = leadIsMine; self.coIsMine = coIsMine; self.coSigned = coSigned
        }
    }

    /// The verbs a person with `role` may apply to a ticket in `status` now (the workbench shows
    /// exactly these as forms). Systems' verbs (`linked-result`) are never offered.
    public static func available(to role: Role, status s: TicketStatus, standing: Standing = .init()) -> [Verb] {
        Verb.allCases.filter { verb in
            guard verb != .linkedResult, verb.roles.contains(role) else { return false }
            if role == .handler {
                switch verb {
                case .coReply: return standing.coIsMine && standing.coSigned && working.contains(s)
                case .accept:
                    return (standing.leadIsMine && allowed(.accept, from: s)) || (standing.coIsMine && !standing.coSigned && working.contains(s))
                default: return verb.isLeadUnitAction && standing.leadIsMine && allowed(verb, from: s)
                }
            }
            return allowed(verb, from: s)
        }
    }

    /// Every verb allowed from a state (for the 409 answer).
    public static func allowedVerbs(from s: TicketStatus) -> [Verb] {
        Verb.allCases.filter { allowed($0, from: s) }
    }
}

/// 三单一函: the escalation ladder.
public enum EscalationLevel: String, Sendable, CaseIterable, Codable, Comparable {
    case reminder, urging, supervision, referral

    public var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
    public var next: EscalationLevel? { rank + 1 < Self.allCases.count ? Self.allCases[rank + 1] : nil }
}
