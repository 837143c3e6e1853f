import Foundation

/// The lifecycle decided: given a ticket as loaded (assignments, rounds, clocks, rungs), the
/// calendar, policies, settings, the actor, the action and the time, answers the plan the store
/// writes. No I/O here; every rule of DOMAIN.md's "Clocks, exactly" and "Outcomes, exactly" that
/// a verb applies lives in this file or the ones it calls (`Ladder`, `ClockSpec`, `Routing`).
public struct TicketDecision: Sendable {
    public let state: TicketState
    public let ctx: DecisionContext

    public init(_ state: TicketState, _ ctx: DecisionContext) {
        self.state = state
        self.ctx = ctx
    }

    public static func decide(_ action: TicketAction, on state: TicketState, _ ctx: DecisionContext) throws(Refusal) -> TicketPlan {
        try TicketDecision(state, ctx).decide(action)
    }

    var now: Date { ctx.now }
    var calc: DeadlineCalculator { ctx.calculator }
    var today: LocalDay { calc.zone.localDay(of: now) }

    public func decide(_ action: TicketAction) throws(Refusal) -> TicketPlan {
        // Who may apply the verb at all (the API checks the same table before it gets here).
        guard action.verb.roles.contains(ctx.actor.role) else {
            throw .forbidden("a \(ctx.actor.role.rawValue) may not \(action.verb.rawValue)")
        }
        var p = try decideVerb(action)
        p.events += Notices.outward(p, from: state)
        return p
    }

    func decideVerb(_ action: TicketAction) throws(Refusal) -> TicketPlan {
        switch action {
        case .answer(let kb, let text): return try answer(kb, text)
        case .reject(let reason, let advice):
            return try simple(.reject, to: .rejected, outcome: ["reason": reason, "advice": advice])
        case .transfer(let target, let note):
            var p = try simple(.transfer, to: .transferred, outcome: ["target": target, "note": note])
            p.partnersByChannel = TransferTarget.channel(for: target)
            return p
        case .linkedResult(let outcome, let note, let handledAt, let externalId):
            return try linkedResult(outcome, note, handledAt, externalId)
        case .merge(let into): return try merge(into)
        case .dispatch(let lead, let co, let sla, let kb): return try dispatch(lead, co, sla, kb)
        case .accept: return try accept()
        case .requestReturn(let reason, let basis, let suggested): return try requestReturn(reason, basis, suggested)
        case .decideReturn(let approve, let newLead, let note): return try decideReturn(approve, newLead, note)
        case .requestExtension(let days, let reason): return try requestExtension(days, reason)
        case .decideExtension(let approve, let note): return try decideExtension(approve, note)
        case .suspend(let reason, let note, let until): return try suspend(reason, note, until)
        case .decideSuspension(let approve, let note): return try decideSuspension(approve, note)
        case .resume(let note): return try resume(note)
        case .coReply(let content, let basis): return try coReply(content, basis)
        case .reply(let content, let basis, let informed): return try reply(content, basis, informed)
        case .reviewReply(let approve, let note): return try reviewReply(approve, note)
        case .escalate(let level, let note): return try escalate(level, note)
        case .terminate(let reason): return try terminate(reason)
        case .callback(let reached, let satisfaction, let resolved, let verdict, let note):
            return try callback(reached, satisfaction, resolved, verdict, note)
        }
    }

    // MARK: shared steps

    func refuse(_ verb: Verb) -> Refusal {
        .notAllowed(status: state.status, allowed: Lifecycle.allowedVerbs(from: state.status),
                    detail: "'\(verb.rawValue)' is not allowed while the ticket is '\(state.status.rawValue)'")
    }

    func checkState(_ verb: Verb) throws(Refusal) {
        guard Lifecycle.allowed(verb, from: state.status) else { throw refuse(verb) }
    }

    /// The state check, then the active lead, then (for a handler) that the lead is the actor's unit or below it.
    func leadIndex(for verb: Verb) throws(Refusal) -> Int {
        try checkState(verb)
        guard let i = state.leadIndex else { throw .conflict("the ticket has no active lead assignment") }
        if ctx.actor.role == .handler && !state.assignments[i].coveredByActor {
            throw .forbidden("only the lead unit (or a unit above it) may \(verb.rawValue) this ticket")
        }
        return i
    }

    func policy(_ code: String?) throws(Refusal) -> SLAPolicy {
        let code = code ?? "standard"
        guard let p = ctx.policies[code] else { throw .invalid([FieldError("sla_policy", "unknown SLA policy '\(code)'")]) }
        return p
    }

    /// A plan that moves to `status`, clearing any pending request, with one event for the verb.
    func plan(_ verb: Verb, to status: TicketStatus, _ payload: [String: String]) -> TicketPlan {
        var p = TicketPlan(status: status, resume: nil, pending: nil)
        p.events.append(PlannedEvent(kind: verb.rawValue, from: state.status, to: status, payload: payload))
        return p
    }

    func simple(_ verb: Verb, to status: TicketStatus, outcome: [String: String]) throws(Refusal) -> TicketPlan {
        try checkState(verb)
        var p = plan(verb, to: status, outcome)
        p.outcome = outcome
        return p
    }

    func format(_ d: Date?) -> String { d.map { Timestamp.format($0, in: calc.zone.timeZone) } ?? "" }

    /// Running deadlines derived again from what they are made of (after an extension, a
    /// suspension, a calendar edit; a met clock keeps the deadline it was judged by), and the
    /// ladder's next rung with them. A co-unit's co-reply deadline follows
    /// the lead's close deadline.
    public func derive(_ a: inout AssignmentState, lead: AssignmentState?) {
        if a.responseMetAt == nil, let r = a.response { a.responseDeadline = r.deadline(calc, region: a.region) }
        if a.closeMetAt == nil, let c = a.close {
            let own = c.deadline(calc, region: a.region)
            if a.role == .co, let lead, let leadClose = lead.closeDeadline {
                (a.closeDeadline, a.coReplyCapped) = coReplyDeadline(own: own, leadClose: leadClose, asked: c.start,
                                                                     unit: lead.close?.length.unit ?? .workingDays, calc, region: a.region)
            } else {
                a.closeDeadline = own
            }
        }
        repoint(&a)
    }

    func repoint(_ a: inout AssignmentState) {
        guard let p = ctx.policies[a.slaPolicy] else { a.next = nil; return }
        a.next = Ladder(calculator: calc, policy: p).pointer(a.ladderClocks, issued: a.issued)
    }

    /// A new assignment with fresh clocks: response, and close (lead) or co-reply (co-unit).
    func assignment(unit: Int64, role: AssignmentRole, policy: SLAPolicy, rule: Int64?, lead: AssignmentState?) -> AssignmentState {
        var a = AssignmentState(id: nil, unitId: unit, role: role, slaPolicy: policy.code, region: state.region, dispatchedAt: now)
        a.ruleRow = rule
        a.dispatchedBy = ctx.actor.userId
        a.response = ClockSpec(start: now, length: policy.response)
        a.close = ClockSpec(start: now, length: role == .lead ? policy.close : policy.coReply)
        derive(&a, lead: lead)
        return a
    }

    /// Deterministic sampling of direct answers for callback: a multiplicative hash of the id.
    public static func sampled(ticket id: Int64, percent: Int) -> Bool {
        let h = UInt64(bitPattern: id) &* 0x9E3779B97F4A7C15
        return Int((h >> 32) % 100) < percent
    }
}
