import Foundation

/// A request waiting for the dispatcher's decision (退单, 延期, 挂起). Stored (and shown) as a
/// flat object with `kind`.
public enum PendingRequest: Sendable, Equatable {
    case `return`(reason: String, basis: String, unitId: Int64, suggestedUnitId: Int64?)
    case `extension`(workingDays: Int, reason: String)
    case suspension(reason: String, note: String, until: LocalDay?)

    public var kind: String {
        switch self {
        case .return: return "return"
        case .extension: return "extension"
        case .suspension: return "suspension"
        }
    }

    public var fields: [String: String] {
        switch self {
        case .return(let reason, let basis, let unit, let suggested):
            var d = ["kind": kind, "reason": reason, "basis": basis, "unit_id": String(unit)]
            if let suggested { d["suggested_unit_id"] = String(suggested) }
            return d
        case .extension(let days, let reason):
            return ["kind": kind, "working_days": String(days), "reason": reason]
        case .suspension(let reason, let note, let until):
            var d = ["kind": kind, "reason": reason, "note": note]
            if let until { d["until"] = until.description }
            return d
        }
    }

    public init?(fields d: [String: String]) {
        switch d["kind"] {
        case "return":
            guard let unit = d["unit_id"].flatMap({ Int64($0) }) else { return nil }
            self = .return(reason: d["reason"] ?? "", basis: d["basis"] ?? "", unitId: unit, suggestedUnitId: d["suggested_unit_id"].flatMap { Int64($0) })
        case "extension":
            guard let days = d["working_days"].flatMap({ Int($0) }) else { return nil }
            self = .extension(workingDays: days, reason: d["reason"] ?? "")
        case "suspension":
            self = .suspension(reason: d["reason"] ?? "", note: d["note"] ?? "", until: d["until"].flatMap { LocalDay(iso: $0) })
        default:
            return nil
        }
    }
}

extension LocalDay: Codable {
    public init(from decoder: any Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let d = LocalDay(iso: s) else { throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a date: \(s)")) }
        self = d
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// One assignment of a ticket to a unit, with its clocks as they stand (current round).
/// For a co-unit the close clock is its co-reply clock.
public struct AssignmentState: Sendable, Equatable {
    public var id: Int64?                 // nil until the store inserts it
    public var unitId: Int64
    public var role: AssignmentRole
    public var status: AssignmentStatus
    public var round: Int
    public var slaPolicy: String
    public var region: String?
    public var dispatchedAt: Date
    public var endedAt: Date?
    public var ruleRow: Int64?
    public var dispatchedBy: Int64?
    public var response: ClockSpec?
    public var responseDeadline: Date?
    public var responseMetAt: Date?
    public var close: ClockSpec?
    public var closeDeadline: Date?
    public var closeMetAt: Date?
    public var coReplyCapped = false
    public var suspendedSince: Date?
    public var resumeAt: Date?
    public var callbackStartedAt: Date?
    public var callbackDeadline: Date?
    public var callbackMetAt: Date?
    public var reopenCount = 0
    public var next: NextRung?
    /// This round's issued rungs.
    public var issued: [Rung] = []
    /// Whether the acting handler's unit is this unit or above it (loaded by the store).
    public var coveredByActor = false

    public init(id: Int64?, unitId: Int64, role: AssignmentRole, status: AssignmentStatus = .active, round: Int = 1,
                slaPolicy: String, region: String?, dispatchedAt: Date) {
        self.id = id; self.unitId = unitId; self.role = role; self.status = status; self.round = round
        self.slaPolicy = slaPolicy; self.region = region; self.dispatchedAt = dispatchedAt
    }

    public var isActive: Bool { status == .active }
    public var closeKind: ClockKind { role == .lead ? .close : .coReply }

    /// The clocks the ladder climbs, as they are now.
    public var ladderClocks: [LadderClock] {
        var out: [LadderClock] = []
        if let r = response, let d = responseDeadline {
            out.append(LadderClock(kind: .response, start: r.start, deadline: d, unit: r.length.unit,
                                   running: isActive && responseMetAt == nil, region: region))
        }
        if let c = close, let d = closeDeadline {
            out.append(LadderClock(kind: closeKind, start: c.start, deadline: d, unit: c.length.unit,
                                   running: isActive && closeMetAt == nil && suspendedSince == nil, region: region))
        }
        return out
    }
}

/// A finished round of an assignment, kept as it was (重办 starts a new one).
public struct RoundRecord: Sendable, Equatable {
    public var assignmentId: Int64
    public var round: Int
    public var responseDeadline: Date?
    public var responseMetAt: Date?
    public var closeDeadline: Date?
    public var closeMetAt: Date?
    public var extensionDays: Int
    public var suspendedDays: Int
    public var endedAt: Date
}

/// Everything a decision needs about one ticket, loaded under the ticket's row lock.
public struct TicketState: Sendable {
    public var id: Int64
    public var status: TicketStatus
    public var version: Int
    public var slaPolicy: String?
    public var region: String?
    public var categoryCode: String?
    public var nature: Nature
    public var hotlineNumber: String
    public var resume: TicketStatus?
    public var pending: PendingRequest?
    public var round: Int
    /// Active assignments (lead first).
    public var assignments: [AssignmentState]
    /// Unreached callback attempts since the last reply (or the direct answer).
    public var unreachedAttempts: Int
    /// The text of the latest reply, made public when the reply is approved.
    public var lastReply: String

    public init(id: Int64, status: TicketStatus, version: Int, slaPolicy: String?, region: String?, categoryCode: String?,
                nature: Nature, hotlineNumber: String, resume: TicketStatus?, pending: PendingRequest?, round: Int,
                assignments: [AssignmentState], unreachedAttempts: Int, lastReply: String) {
        self.id = id; self.status = status; self.version = version; self.slaPolicy = slaPolicy; self.region = region
        self.categoryCode = categoryCode; self.nature = nature; self.hotlineNumber = hotlineNumber; self.resume = resume
        self.pending = pending; self.round = round; self.assignments = assignments
        self.unreachedAttempts = unreachedAttempts; self.lastReply = lastReply
    }

    public var leadIndex: Int? { assignments.firstIndex { $0.role == .lead && $0.isActive } }
    public var lead: AssignmentState? { leadIndex.map { assignments[$0] } }
}

/// Who acts. `userId` nil is the system (the sweeper resuming a suspension).
public struct Actor: Sendable, Equatable {
    public var userId: Int64?
    public var role: Role
    public var unitId: Int64?
    public init(userId: Int64?, role: Role, unitId: Int64?) { self.userId = userId; self.role = role; self.unitId = unitId }
    public static let system = Actor(userId: nil, role: .dispatcher, unitId: nil)
}

/// A knowledge-base entry as an answer needs it.
public struct AnswerEntry: Sendable, Equatable {
    public var id: Int64
    public var version: Int
    public var answer: String
    public var retired: Bool
    public var validFrom: LocalDay?
    public var validTo: LocalDay?
    public init(id: Int64, version: Int, answer: String, retired: Bool, validFrom: LocalDay?, validTo: LocalDay?) {
        self.id = id; self.version = version; self.answer = answer; self.retired = retired; self.validFrom = validFrom; self.validTo = validTo
    }
    public func isValid(on day: LocalDay) -> Bool {
        !retired && (validFrom.map { $0 <= day } ?? true) && (validTo.map { day <= $0 } ?? true)
    }
}

/// What routing could choose from, loaded by the store (the choice itself is `Routing.choose`).
public struct RouteCandidates: Sendable, Equatable {
    public struct Rule: Sendable, Equatable {
        public var row: Int64, version: Int, lead: Int64, co: [Int64], policy: String
        public init(row: Int64, version: Int, lead: Int64, co: [Int64], policy: String) {
            self.row = row; self.version = version; self.lead = lead; self.co = co; self.policy = policy
        }
    }
    public var rule: Rule?
    public var kbSuggestion: (unit: Int64, entry: Int64)?
    public var hotlineDefault: Int64?
    public var regionGovernment: Int64?
    public init(rule: Rule? = nil, kbSuggestion: (unit: Int64, entry: Int64)? = nil, hotlineDefault: Int64? = nil, regionGovernment: Int64? = nil) {
        self.rule = rule; self.kbSuggestion = kbSuggestion; self.hotlineDefault = hotlineDefault; self.regionGovernment = regionGovernment
    }
    public static func == (a: Self, b: Self) -> Bool {
        a.rule == b.rule && a.kbSuggestion?.unit == b.kbSuggestion?.unit && a.kbSuggestion?.entry == b.kbSuggestion?.entry
            && a.hotlineDefault == b.hotlineDefault && a.regionGovernment == b.regionGovernment
    }
}

/// The world outside the ticket that a decision reads: time, calendar, policies, settings, and
/// what the store looked up for this action.
public struct DecisionContext: Sendable {
    public var now: Date
    public var calculator: DeadlineCalculator
    public var policies: [String: SLAPolicy]
    public var settings: AssessmentSettings
    public var actor: Actor
    public var entry: AnswerEntry?
    public var route: RouteCandidates?
    /// Active units among the ids the action names.
    public var activeUnits: Set<Int64>
    /// The ticket a merge goes into (status), when visible.
    public var mergeTarget: TicketStatus?
    /// The acting partner received this ticket by transfer (may report its `linked-result`).
    public var partnerReceived = false

    public init(now: Date, calculator: DeadlineCalculator, policies: [String: SLAPolicy], settings: AssessmentSettings, actor: Actor,
                entry: AnswerEntry? = nil, route: RouteCandidates? = nil, activeUnits: Set<Int64> = [], mergeTarget: TicketStatus? = nil) {
        self.now = now; self.calculator = calculator; self.policies = policies; self.settings = settings; self.actor = actor
        self.entry = entry; self.route = route; self.activeUnits = activeUnits; self.mergeTarget = mergeTarget
    }
}

/// A change to a nullable column: leave it, or set it (possibly to nil).
public enum Change<T: Sendable & Equatable>: Sendable, Equatable {
    case keep
    case set(T?)
}

/// What a decision answers: the new state, every row to write, every event. The store writes it
/// in the transaction that holds the ticket's lock, and nothing else.
public struct TicketPlan: Sendable, Equatable {
    public var status: TicketStatus
    public var resume: TicketStatus?
    public var pending: PendingRequest?
    public var outcome: [String: String]? = nil
    public var slaPolicy: String? = nil
    public var dispatchedVia: String? = nil
    public var ruleRow: Change<Int64> = .keep
    public var answeredWith: (entry: Int64, version: Int)? = nil
    /// The entry this ticket's words teach (a direct answer with it, a suggestion taken).
    public var teaches: Int64? = nil
    public var parentId: Int64? = nil
    public var callbackDue: Change<Date> = .keep
    public var closed: (reason: String?, at: Date)? = nil
    public var reopened = false
    /// Assignments to write: changed ones (with id) and new ones (id nil), whole.
    public var assignments: [AssignmentState] = []
    public var rounds: [RoundRecord] = []
    /// Rungs to issue, each on one of `assignments` (by index).
    public var rungs: [PlannedRung] = []
    public var callback: CallbackRecord? = nil
    public var events: [PlannedEvent] = []
    /// A transfer hands the ticket to the partners registered with this channel (110's desk).
    public var partnersByChannel: Channel? = nil
    /// The partner's own case id for a ticket transferred to it (its `linked-result`).
    public var partnerExternalId: String? = nil

    public init(status: TicketStatus, resume: TicketStatus?, pending: PendingRequest?) {
        self.status = status; self.resume = resume; self.pending = pending
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.status == b.status && a.resume == b.resume && a.pending == b.pending && a.outcome == b.outcome
            && a.assignments == b.assignments && a.events == b.events && a.rungs == b.rungs && a.teaches == b.teaches
    }
}

public struct PlannedRung: Sendable, Equatable {
    public var index: Int
    public var rung: Rung
}

public struct CallbackRecord: Sendable, Equatable {
    public var assignmentId: Int64?
    public var reached: Bool
    public var satisfaction: Satisfaction?
    public var resolved: Bool?
    public var verdict: CallbackVerdict?
    public var note: String
}

/// An event row: on this ticket unless `ticketId` names another (a merge notes it on the parent).
public struct PlannedEvent: Sendable, Equatable {
    public var ticketId: Int64?
    public var kind: String
    public var from: TicketStatus?
    public var to: TicketStatus?
    public var payload: [String: String]
    public init(ticketId: Int64? = nil, kind: String, from: TicketStatus?, to: TicketStatus?, payload: [String: String]) {
        self.ticketId = ticketId; self.kind = kind; self.from = from; self.to = to; self.payload = payload
    }
}

/// Why a decision refuses.
public enum Refusal: Error, Sendable, Equatable {
    case notAllowed(status: TicketStatus, allowed: [Verb], detail: String)   // 409 with the allowed verbs
    case forbidden(String)                                                     // 403
    case invalid([FieldError])                                                 // 400
    case conflict(String)                                                      // 409
}
