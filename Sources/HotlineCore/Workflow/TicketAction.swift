import Foundation

/// A validated lifecycle command: the verb with its body.
public enum TicketAction: Sendable, Equatable {
    case answer(kbEntryId: String?, answer: String)
    case reject(reason: String, advice: String)
    case transfer(target: String, note: String)
    case merge(into: Int64)
    case dispatch(lead: Int64?, co: [Int64], slaPolicy: String?, kbEntry: Int64? = nil)
    case accept
    case requestReturn(reason: String, basis: String, suggestedUnit: Int64?)
    case decideReturn(approve: Bool, newLead: Int64?, note: String)
    case requestExtension(days: Int, reason: String)
    case decideExtension(approve: Bool, note: String)
    case suspend(reason: String, note: String, until: LocalDay?)
    case decideSuspension(approve: Bool, note: String)
    case resume(note: String)
    case coReply(content: String, basis: String)
    case reply(content: String, basis: String, callerInformed: Bool)
    case reviewReply(approve: Bool, note: String)
    case escalate(level: EscalationLevel, note: String)
    case terminate(reason: String)
    case callback(reached: Bool, satisfaction: Satisfaction?, resolved: Bool?, verdict: CallbackVerdict?, note: String)
    case linkedResult(outcome: LinkedOutcome, note: String, handledAt: Date?, externalId: String?)

    public var verb: Verb {
        switch self {
        case .answer: return .answer
        case .reject: return .reject
        case .transfer: return .transfer
        case .merge: return .merge
        case .dispatch: return .dispatch
        case .accept: return .accept
        case .requestReturn: return .return
        case .decideReturn: return .returnDecision
        case .requestExtension: return .extensionRequest
        case .decideExtension: return .extensionDecision
        case .suspend: return .suspend
        case .decideSuspension: return .suspendDecision
        case .resume: return .resume
        case .coReply: return .coReply
        case .reply: return .reply
        case .reviewReply: return .replyReview
        case .escalate: return .escalate
        case .terminate: return .terminate
        case .callback: return .callback
        case .linkedResult: return .linkedResult
        }
    }

    /// Whether the decision (for *-decision and review verbs) approves.
    public var approves: Bool {
        switch self {
        case .decideReturn(let a, _, _), .decideExtension(let a, _), .reviewReply(let a, _), .decideSuspension(let a, _): return a
        default: return true
        }
    }

    /// The untrusted body of any verb; which fields matter depends on the verb.
    public struct Raw: Sendable, Codable {
        public var kbEntryId: String?
        public var answer: String?
        public var reason: String?
        public var advice: String?
        public var target: String?
        public var note: String?
        public var intoTicketId: String?
        public var leadUnitId: String?
        public var coUnitIds: [String]?
        public var slaPolicy: String?
        public var basis: String?
        public var suggestedUnitId: String?
        public var approve: Bool?
        public var newLeadUnitId: String?
        public var workingDays: Int?
        public var content: String?
        public var callerInformed: Bool?
        public var level: String?
        public var reached: Bool?
        public var satisfaction: String?
        public var resolved: Bool?
        public var verdict: String?
        public var until: String?
        public var outcome: String?
        public var handledAt: String?
        public var externalId: String?
        public init() {}
    }

    public static let transferTargets = ["110", "119", "120", "122"]

    public static func validate(_ verb: Verb, _ r: Raw) throws(ValidationFailure) -> TicketAction {
        var c = FieldChecker()
        func id(_ field: String, _ raw: String?, required: Bool) -> Int64? {
            guard let raw else { if required { c.add(field, "is required") }; return nil }
            guard let v = Int64(raw), v > 0 else { c.add(field, "must be an id"); return nil }
            return v
        }
        func decision() -> Bool {
            guard let a = r.approve else { c.add("approve", "is required (true or false)"); return false }
            return a
        }
        let note = c.optionalText("note", r.note, maxLength: 2000, multiline: true) ?? ""
        let action: TicketAction
        switch verb {
        case .answer:
            let kb = c.optionalText("kb_entry_id", r.kbEntryId, maxLength: 40)
            if let kb, Int64(kb) == nil { c.add("kb_entry_id", "must be a knowledge-base entry id") }
            // With an entry the answer text defaults to the entry's answer.
            let answer = kb == nil ? c.requiredText("answer", r.answer, maxLength: 5000, multiline: true) ?? ""
                                   : c.optionalText("answer", r.answer, maxLength: 5000, multiline: true) ?? ""
            action = .answer(kbEntryId: kb, answer: answer)
        case .reject:
            let reason = c.requiredText("reason", r.reason, maxLength: 2000, multiline: true) ?? ""
            let advice = c.optionalText("advice", r.advice, maxLength: 2000, multiline: true) ?? ""
            action = .reject(reason: reason, advice: advice)
        case .transfer:
            let target = c.requiredText("target", r.target, maxLength: 3) ?? ""
            if !target.isEmpty && !transferTargets.contains(target) { c.add("target", "unknown value '\(target)'; one of: 110, 119, 120, 122") }
            action = .transfer(target: target, note: note)
        case .linkedResult:
            let outcome: LinkedOutcome? = c.enumValue("outcome", r.outcome, required: true)
            var at: Date? = nil
            if let raw = r.handledAt {
                if let d = Timestamp.parse(raw) { at = d } else { c.add("handled_at", "must be an RFC 3339 time with offset") }
            }
            let external = c.optionalText("external_id", r.externalId, maxLength: 100)
            if outcome == .notOurs && note.isEmpty { c.add("note", "is required when the matter is not 110's: say why") }
            action = .linkedResult(outcome: outcome ?? .handled, note: note, handledAt: at, externalId: external)
        case .merge:
            action = .merge(into: id("into_ticket_id", r.intoTicketId, required: true) ?? 0)
        case .dispatch:
            let lead = id("lead_unit_id", r.leadUnitId, required: false)
            var co: [Int64] = []
            for (i, raw) in (r.coUnitIds ?? []).enumerated() {
                if let v = Int64(raw), v > 0 { co.append(v) } else { c.add("co_unit_ids[\(i)]", "must be a unit id") }
            }
            if lead == nil && !(r.coUnitIds ?? []).isEmpty { c.add("co_unit_ids", "co-units need an explicit lead_unit_id") }
            if let lead, co.contains(lead) { c.add("co_unit_ids", "must not contain the lead unit") }
            if co.count > 20 { c.add("co_unit_ids", "at most 20 co-units") }
            let sla = c.optionalText("sla_policy", r.slaPolicy, maxLength: 40)
            // The knowledge-base suggestion the agent took for this ticket (it teaches that entry).
            let kb = id("kb_entry_id", r.kbEntryId, required: false)
            action = .dispatch(lead: lead, co: Array(Set(co)).sorted(), slaPolicy: sla, kbEntry: kb)
        case .accept:
            action = .accept
        case .return:
            let reason = c.requiredText("reason", r.reason, maxLength: 2000, multiline: true) ?? ""
            let basis = c.optionalText("basis", r.basis, maxLength: 2000, multiline: true) ?? ""
            action = .requestReturn(reason: reason, basis: basis, suggestedUnit: id("suggested_unit_id", r.suggestedUnitId, required: false))
        case .returnDecision:
            let approve = decision()
            action = .decideReturn(approve: approve, newLead: id("new_lead_unit_id", r.newLeadUnitId, required: false), note: note)
        case .extensionRequest:
            var days = 0
            if let d = r.workingDays { if (1...60).contains(d) { days = d } else { c.add("working_days", "must be from 1 to 60") } }
            else { c.add("working_days", "is required") }
            let reason = c.requiredText("reason", r.reason, maxLength: 2000, multiline: true) ?? ""
            action = .requestExtension(days: days, reason: reason)
        case .extensionDecision:
            action = .decideExtension(approve: decision(), note: note)
        case .suspend:
            let reason = c.requiredText("reason", r.reason, maxLength: 40) ?? ""
            var until: LocalDay? = nil
            if let u = r.until {
                if let d = LocalDay(iso: u) { until = d } else { c.add("until", "must be a date (YYYY-MM-DD)") }
            }
            action = .suspend(reason: reason, note: note, until: until)
        case .suspendDecision:
            action = .decideSuspension(approve: decision(), note: note)
        case .resume:
            action = .resume(note: note)
        case .coReply:
            let content = c.requiredText("content", r.content, maxLength: 10_000, multiline: true) ?? ""
            let basis = c.optionalText("basis", r.basis, maxLength: 2000, multiline: true) ?? ""
            action = .coReply(content: content, basis: basis)
        case .reply:
            let content = c.requiredText("content", r.content, maxLength: 10_000, multiline: true) ?? ""
            let basis = c.optionalText("basis", r.basis, maxLength: 2000, multiline: true) ?? ""
            if r.callerInformed == nil { c.add("caller_informed", "is required (true or false)") }
            action = .reply(content: content, basis: basis, callerInformed: r.callerInformed ?? false)
        case .replyReview:
            action = .reviewReply(approve: decision(), note: note)
        case .escalate:
            let level: EscalationLevel? = c.enumValue("level", r.level, required: true)
            action = .escalate(level: level ?? .reminder, note: note)
        case .terminate:
            action = .terminate(reason: c.requiredText("reason", r.reason, maxLength: 2000, multiline: true) ?? "")
        case .callback:
            guard let reached = r.reached else {
                c.add("reached", "is required (true or false)")
                action = .accept
                break
            }
            var satisfaction: Satisfaction? = nil, verdict: CallbackVerdict? = nil
            if reached {
                satisfaction = c.enumValue("satisfaction", r.satisfaction, required: true)
                if r.resolved == nil { c.add("resolved", "is required when the caller was reached") }
                verdict = c.enumValue("verdict", r.verdict, required: satisfaction == .unsatisfied)
                if verdict != nil && satisfaction != .unsatisfied { c.add("verdict", "only for an unsatisfied caller") }
            } else {
                for (field, value) in [("satisfaction", r.satisfaction), ("verdict", r.verdict)] where value != nil {
                    c.add(field, "must be absent when the caller was not reached")
                }
                if r.resolved != nil { c.add("resolved", "must be absent when the caller was not reached") }
            }
            action = .callback(reached: reached, satisfaction: satisfaction, resolved: reached ? r.resolved : nil, verdict: verdict, note: note)
        }
        try c.throwIfAny()
        return action
    }
}

/// What the partner a ticket was transferred to reports back (110: handled, or not a police matter).
public enum LinkedOutcome: String, CaseIterable, Sendable, Codable {
    case handled
    case notOurs = "not_ours"
}
