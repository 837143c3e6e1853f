import Foundation

/// What a unit does with its assignment: sign, return, extend, suspend, resume, co-reply, reply.
extension TicketDecision {
    /// 签收: the lead's (dispatched, or reopened and signed for again), else a co-unit's.
    func accept() throws(Refusal) -> TicketPlan {
        var a = state.assignments
        if let i = state.leadIndex, a[i].coveredByActor || ctx.actor.role != .handler, Lifecycle.allowed(.accept, from: state.status) {
            a[i].responseMetAt = now
            repoint(&a[i])
            var p = plan(.accept, to: .accepted, ["unit_id": String(a[i].unitId), "round": String(a[i].round)])
            p.assignments = [a[i]]
            return p
        }
        if Lifecycle.working.contains(state.status),
           let i = a.firstIndex(where: { $0.role == .co && $0.isActive && $0.coveredByActor && $0.responseMetAt == nil }) {
            a[i].responseMetAt = now
            repoint(&a[i])
            var p = plan(.accept, to: state.status, ["unit_id": String(a[i].unitId), "role": "co"])
            p.resume = state.resume
            p.pending = state.pending
            p.assignments = [a[i]]
            return p
        }
        try checkState(.accept)
        throw .forbidden("only the lead unit (or a unit above it) may accept this ticket")
    }

    func requestReturn(_ reason: String, _ basis: String, _ suggested: Int64?) throws(Refusal) -> TicketPlan {
        let i = try leadIndex(for: .return)
        let unit = state.assignments[i].unitId
        var payload = ["kind": "return", "reason": reason, "basis": basis, "unit_id": String(unit)]
        if let suggested { payload["suggested_unit_id"] = String(suggested) }
        var p = plan(.return, to: .returnRequested, payload)
        p.pending = .return(reason: reason, basis: basis, unitId: unit, suggestedUnitId: suggested)
        p.resume = state.status
        return p
    }

    /// An approved return ends the old assignments and starts fresh clocks for the new lead.
    func decideReturn(_ approve: Bool, _ newLead: Int64?, _ note: String) throws(Refusal) -> TicketPlan {
        let i = try leadIndex(for: .returnDecision)
        guard case .return(_, _, let returning, let suggested)? = state.pending else { throw .conflict("no return request is pending") }
        var payload = ["approve": String(approve), "note": note]
        guard approve else { return plan(.returnDecision, to: state.resume ?? .accepted, payload) }
        guard let unit = newLead ?? suggested else {
            throw .invalid([FieldError("new_lead_unit_id", "is required: the unit gave no suggestion")])
        }
        guard unit != state.assignments[i].unitId else { throw .invalid([FieldError("new_lead_unit_id", "must differ from the returning unit")]) }
        guard ctx.activeUnits.contains(unit) else { throw .invalid([FieldError("new_lead_unit_id", "unknown or inactive unit")]) }
        var ended = state.assignments.filter(\.isActive)
        for j in ended.indices {
            ended[j].status = ended[j].role == .lead ? .returned : .ended
            ended[j].endedAt = now
            ended[j].next = nil
        }
        let lead = assignment(unit: unit, role: .lead, policy: try policy(state.slaPolicy), rule: nil, lead: nil)
        payload["new_lead_unit_id"] = String(unit)
        payload["returned_unit_id"] = String(returning)
        payload["response_deadline"] = format(lead.responseDeadline)
        payload["close_deadline"] = format(lead.closeDeadline)
        var p = plan(.returnDecision, to: .dispatched, payload)
        p.assignments = ended + [lead]
        p.dispatchedVia = "manual"
        p.ruleRow = .set(nil)
        return p
    }

    func requestExtension(_ days: Int, _ reason: String) throws(Refusal) -> TicketPlan {
        let i = try leadIndex(for: .extensionRequest)
        let lead = state.assignments[i]
        let left = try policy(lead.slaPolicy).maxExtensionDays - (lead.close?.extensionDays ?? 0)
        guard days <= left else {
            throw .invalid([FieldError("working_days", "exceeds the policy's extension limit: \(max(0, left)) working day(s) left")])
        }
        var p = plan(.extensionRequest, to: .extensionRequested, ["kind": "extension", "working_days": String(days), "reason": reason])
        p.pending = .extension(workingDays: days, reason: reason)
        p.resume = state.status
        return p
    }

    /// An approved extension moves the close deadline (and a capped co-reply deadline with it);
    /// the ladder follows the moved clock.
    func decideExtension(_ approve: Bool, _ note: String) throws(Refusal) -> TicketPlan {
        let i = try leadIndex(for: .extensionDecision)
        guard case .extension(let days, _)? = state.pending else { throw .conflict("no extension request is pending") }
        var payload = ["approve": String(approve), "note": note]
        guard approve else { return plan(.extensionDecision, to: state.resume ?? .accepted, payload) }
        var a = state.assignments
        a[i].close?.extensionDays += days
        derive(&a[i], lead: nil)
        payload["working_days"] = String(days)
        payload["close_deadline"] = format(a[i].closeDeadline)
        var p = plan(.extensionDecision, to: state.resume ?? .accepted, payload)
        p.assignments = [a[i]] + following(lead: a[i], in: a)
        return p
    }

    /// Co-units whose co-reply deadline is tied to the lead's close deadline, derived again.
    func following(lead: AssignmentState, in all: [AssignmentState]) -> [AssignmentState] {
        all.filter { $0.role == .co && $0.isActive && $0.closeMetAt == nil }.compactMap { co in
            var c = co
            derive(&c, lead: lead)
            return c == co ? nil : c
        }
    }
}
