import Foundation

/// The outward names of the events every state change writes (API.md "Event kinds"). Stored
/// rows keep the verb that made them (`dispatch`, `return-decision`, …); other systems see
/// `ticket.dispatched`, `ticket.return_decided`, ….
public enum OutwardKind {
    public static let noticeUnit = "notice.unit"
    public static let noticeCaller = "notice.caller"
    /// Marker rows: a case ended with a result, or was reopened (written beside the verb's own row).
    public static let closedMarker = "closed"
    public static let reopenedMarker = "reopened"
    /// Stored kinds written for other systems only: in the feed and the webhooks, not in the
    /// ticket's timeline or the audit trail, which already show the verb that made them.
    public static let outwardOnly = [noticeUnit, noticeCaller, closedMarker, reopenedMarker]

    /// Every kind a subscription may ask for.
    public static let all: [String] = [
        "ticket.registered", "ticket.dispatched", "ticket.accepted", "ticket.return_requested", "ticket.return_decided",
        "ticket.extension_requested", "ticket.extension_decided", "ticket.suspension_requested", "ticket.suspension_decided",
        "ticket.suspended", "ticket.resumed", "ticket.co_replied", "ticket.replied", "ticket.reply_reviewed",
        "ticket.callback_recorded", "ticket.reopened", "ticket.closed", "ticket.escalated", "ticket.transferred",
        "ticket.linked_result", "ticket.merged", "ticket.terminated", "ticket.deadline_moved", "ticket.answered",
        "ticket.rejected", "ticket.attachment_added", noticeUnit, noticeCaller, "kb.feedback_opened",
    ]

    /// The outward kind of a stored event row.
    public static func of(stored kind: String, to status: String?) -> String {
        switch kind {
        case "registered": return "ticket.registered"
        case "dispatch": return "ticket.dispatched"
        case "accept": return "ticket.accepted"
        case "return": return "ticket.return_requested"
        case "return-decision": return "ticket.return_decided"
        case "extension": return "ticket.extension_requested"
        case "extension-decision": return "ticket.extension_decided"
        case "suspend", "suspend-decision":
            if status == TicketStatus.suspended.rawValue { return "ticket.suspended" }
            return kind == "suspend" ? "ticket.suspension_requested" : "ticket.suspension_decided"
        case "resume": return "ticket.resumed"
        case "co-reply": return "ticket.co_replied"
        case "reply": return "ticket.replied"
        case "reply-review": return "ticket.reply_reviewed"
        case "callback": return "ticket.callback_recorded"
        case reopenedMarker: return "ticket.reopened"
        case closedMarker: return "ticket.closed"
        case "escalate", "escalation": return "ticket.escalated"
        case "transfer": return "ticket.transferred"
        case "linked-result": return "ticket.linked_result"
        case "merge", "duplicate_merged": return "ticket.merged"
        case "terminate": return "ticket.terminated"
        case "deadline_moved": return "ticket.deadline_moved"
        case "answer": return "ticket.answered"
        case "reject": return "ticket.rejected"
        case noticeUnit, noticeCaller: return kind
        default: return "ticket." + kind.replacingOccurrences(of: "-", with: "_")
        }
    }

    /// Kinds a subscription may name, checked when it is created.
    public static func isKnown(_ kind: String) -> Bool { kind == "*" || all.contains(kind) }
}

/// The events a plan adds for other systems: `closed` and `reopened` markers (so a partner
/// following `ticket.closed` need not know every verb that closes), and notices — to the unit on
/// dispatch and on each rung of the ladder, to the caller when the case is closed. Notices carry
/// the template's key, never its text: the text (with the number and, for the caller, the query
/// code) is rendered at delivery, and only a subscription allowed personal data gets the caller's.
public enum Notices {
    public static let finalWithResult: Set<TicketStatus> = [.closed, .answered, .rejected]

    public static func outward(_ plan: TicketPlan, from state: TicketState) -> [PlannedEvent] {
        var out: [PlannedEvent] = []
        let changed = plan.status != state.status
        for a in plan.assignments where a.id == nil {
            out.append(unit(a.unitId, template: "unit.dispatched", extra: ["role": a.role.rawValue]))
        }
        for r in plan.rungs {
            out.append(rung(r.rung, unit: plan.assignments[r.index].unitId))
        }
        if changed && plan.status == .reopened {
            out.append(PlannedEvent(kind: OutwardKind.reopenedMarker, from: state.status, to: .reopened, payload: [:]))
            if let lead = plan.assignments.first(where: { $0.role == .lead && $0.endedAt == nil }) ?? state.leadIndex.map({ state.assignments[$0] }) {
                out.append(unit(lead.unitId, template: "unit.dispatched", extra: ["role": lead.role.rawValue, "reopened": "true"]))
            }
        }
        if changed && finalWithResult.contains(plan.status) {
            out.append(PlannedEvent(kind: OutwardKind.closedMarker, from: state.status, to: plan.status, payload: ["outcome": plan.status.rawValue]))
            out.append(PlannedEvent(kind: OutwardKind.noticeCaller, from: nil, to: nil, payload: ["template": "caller.closed"]))
        }
        return out
    }

    /// The unit's notice for a rung of the ladder (提醒单, 催办单, 督办单, 通报函).
    public static func rung(_ r: Rung, unit: Int64) -> PlannedEvent {
        var extra = ["level": r.level.rawValue, "clock": r.clock.rawValue]
        if let by = r.requiredBy { extra["required_by"] = Timestamp.format(by, in: TimeZone(identifier: "UTC")!) }
        return Self.unit(unit, template: "unit." + r.level.rawValue, extra: extra)
    }

    static func unit(_ id: Int64, template: String, extra: [String: String]) -> PlannedEvent {
        PlannedEvent(kind: OutwardKind.noticeUnit, from: nil, to: nil,
                     payload: extra.merging(["unit_id": String(id), "template": template]) { a, _ in a })
    }

    /// Whether registration notifies the caller: a number to send it to, and a case that arrives
    /// now (a legacy backlog being imported is not news to its callers).
    public static func callerNoticeAtRegistration(_ intake: TicketIntake, imported: Bool) -> Bool {
        !imported && !intake.anonymous && intake.caller?.phone != nil
    }

    /// `{name}` placeholders filled from `fields`; unknown names are left out.
    public static func render(_ template: String, _ fields: [String: String]) -> String {
        var out = ""
        var i = template.startIndex
        while i < template.endIndex {
            let c = template[i]
            if c == "{", let close = template[i...].firstIndex(of: "}") {
                let name = String(template[template.index(after: i)..<close])
                if name.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "_") }) {
                    out += fields[name] ?? ""
                    i = template.index(after: close)
                    continue
                }
            }
            out.append(c)
            i = template.index(after: i)
        }
        return out
    }
}

/// When a failed delivery is tried again: the first retry within 30 s, then growing delays, and
/// given up once a day has passed since the event was queued.
public enum RetrySchedule {
    public static let delays: [TimeInterval] = [10, 30, 120, 600, 1800, 3600, 7200, 14400, 21600]
    public static let giveUpAfter: TimeInterval = 24 * 3600

    /// The next attempt after `attempts` failed ones, or nil when the delivery is given up.
    public static func next(afterFailed attempts: Int, queuedAt: Date, now: Date, delays: [TimeInterval] = delays) -> Date? {
        let delay = delays[min(max(attempts - 1, 0), delays.count - 1)]
        let at = now.addingTimeInterval(delay)
        return at.timeIntervalSince(queuedAt) > giveUpAfter ? nil : at
    }
}

/// Who a subscription is for, and what it may see.
public struct SubscriptionScope: Sendable, Equatable {
    public enum Owner: Sendable, Equatable { case center(personalData: Bool), unit(Int64), partner(Int64) }
    public var owner: Owner
    public var kinds: Set<String>

    public init(owner: Owner, kinds: Set<String>) { self.owner = owner; self.kinds = kinds }

    public var personalData: Bool { if case .center(true) = owner { return true } else { return false } }

    /// Whether an event of this kind goes to the subscription, given whether its ticket is in the
    /// subscription's scope and, for a unit's notice, whether the unit addressed is in its subtree.
    public func accepts(kind: String, ticketInScope: Bool, noticeUnitInScope: Bool) -> Bool {
        guard kinds.contains("*") || kinds.contains(kind) else { return false }
        if kind == OutwardKind.noticeCaller { return personalData }
        guard ticketInScope else { return false }
        if kind == OutwardKind.noticeUnit, case .unit = owner { return noticeUnitInScope }
        return true
    }
}

/// 110 and the other lines that hand cases over by transfer: the channel a partner of that line
/// registers with is the one a transfer to it names.
public enum TransferTarget {
    public static func channel(for target: String) -> Channel? {
        target == "110" ? .transfer110 : nil
    }
}
