import Foundation

/// Verbs on a registered ticket: answer on the call, merge, dispatch.
extension TicketDecision {
    /// 直接答复: an entry past its validity window cannot answer; an unsampled answer closes the
    /// ticket at once, a sampled one waits for a callback on the policy's callback clock.
    func answer(_ kb: String?, _ text: String) throws(Refusal) -> TicketPlan {
        try checkState(.answer)
        var outcome = ["answer": text]
        var answeredWith: (Int64, Int)? = nil
        if let kb, let id = Int64(kb) {
            guard let e = ctx.entry, e.id == id, !e.retired else {
                throw .invalid([FieldError("kb_entry_id", "unknown or retired knowledge-base entry \(id)")])
            }
            guard e.isValid(on: today) else {
                throw .invalid([FieldError("kb_entry_id", "entry \(id) is outside its validity window (\(e.validFrom?.description ?? "…") to \(e.validTo?.description ?? "…")) and cannot answer")])
            }
            outcome = ["answer": text.isEmpty ? e.answer : text, "kb_entry_id": String(id), "kb_version": String(e.version)]
            answeredWith = (id, e.version)
        }
        let sampled = Self.sampled(ticket: state.id, percent: ctx.settings.answerSamplePercent)
        var p = plan(.answer, to: sampled ? .awaitingCallback : .closed, outcome)
        p.answeredWith = answeredWith
        p.teaches = answeredWith?.0
        if sampled {
            let due = calc.deadline(from: now, try policy(state.slaPolicy).callback, region: state.region)
            p.callbackDue = .set(due)
            outcome["callback_sampled"] = "true"
            p.events[0].payload = outcome.merging(["callback_deadline": format(due)]) { a, _ in a }
        } else {
            p.closed = ("direct_answer", now)
        }
        p.outcome = outcome
        return p
    }

    func merge(_ into: Int64) throws(Refusal) -> TicketPlan {
        try checkState(.merge)
        guard into != state.id else { throw .invalid([FieldError("into_ticket_id", "a ticket cannot be merged into itself")]) }
        guard let target = ctx.mergeTarget else { throw .invalid([FieldError("into_ticket_id", "unknown ticket \(into)")]) }
        guard target.isOpen else {
            throw .invalid([FieldError("into_ticket_id", "ticket \(into) is '\(target.rawValue)'; merge only into an open ticket")])
        }
        var p = plan(.merge, to: .merged, ["into_ticket_id": String(into)])
        p.parentId = into
        p.events.insert(PlannedEvent(ticketId: into, kind: "duplicate_merged", from: target, to: target,
                                     payload: ["ticket_id": String(state.id)]), at: 0)
        return p
    }

    /// 派单: the route (explicit, catalogue, fallbacks), a lead assignment with response and close
    /// clocks, and co-unit assignments with response and co-reply clocks.
    func dispatch(_ explicitLead: Int64?, _ co: [Int64], _ sla: String?, _ taken: Int64? = nil) throws(Refusal) -> TicketPlan {
        try checkState(.dispatch)
        if let taken {
            guard let e = ctx.entry, e.id == taken, !e.retired else {
                throw .invalid([FieldError("kb_entry_id", "unknown or retired knowledge-base entry \(taken)")])
            }
        }
        if ctx.actor.role == .agent && explicitLead != nil {
            throw .forbidden("agents dispatch by the routing catalogue; choosing units is the dispatcher's")
        }
        if let explicitLead, !ctx.activeUnits.contains(explicitLead) { throw .invalid([FieldError("lead_unit_id", "unknown or inactive unit")]) }
        if explicitLead != nil, !co.allSatisfy(ctx.activeUnits.contains) { throw .invalid([FieldError("co_unit_ids", "unknown or inactive unit")]) }
        let candidates = ctx.route ?? RouteCandidates()
        guard let route = Routing.choose(explicitLead: explicitLead, co: co, sla: sla, ticketPolicy: state.slaPolicy,
                                         candidates: candidates, kbRouting: ctx.settings.kbRouting) else {
            throw .conflict("no routing rule, hotline default unit or regional government matches; dispatch manually with lead_unit_id")
        }
        let policy = try policy(route.policy)
        let lead = assignment(unit: route.lead, role: .lead, policy: policy, rule: route.rule?.row, lead: nil)
        let cos = route.co.filter { $0 != route.lead }.map { assignment(unit: $0, role: .co, policy: policy, rule: route.rule?.row, lead: lead) }
        var payload = ["lead_unit_id": String(route.lead), "co_unit_ids": cos.map { String($0.unitId) }.joined(separator: ","),
                       "sla_policy": policy.code, "via": route.via,
                       "response_deadline": format(lead.responseDeadline), "close_deadline": format(lead.closeDeadline)]
        if let r = route.rule { payload["routing_rule_row_id"] = String(r.row); payload["routing_rule_version"] = String(r.version) }
        if let e = route.kbEntry { payload["kb_entry_id"] = String(e) }
        if route.via != "kb_entry", let s = candidates.kbSuggestion, s.unit != route.lead {
            payload["kb_suggested_unit_id"] = String(s.unit)
            payload["kb_suggested_entry_id"] = String(s.entry)
        }
        var p = plan(.dispatch, to: .dispatched, payload)
        p.slaPolicy = policy.code
        p.dispatchedVia = route.via
        p.ruleRow = Change<Int64>.set(route.rule?.row)
        p.assignments = [lead] + cos
        p.teaches = taken ?? route.kbEntry
        if let taken { p.events[0].payload["kb_entry_taken"] = String(taken) }
        return p
    }
}
