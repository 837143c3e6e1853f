import Foundation

/// Replies, their review, escalation, termination and the callback that closes or reopens.
extension TicketDecision {
    /// 协办意见: a co-unit's opinion, shown to the lead and the reviewer; it also counts as signing.
    func coReply(_ content: String, _ basis: String) throws(Refusal) -> TicketPlan {
        guard Lifecycle.working.contains(state.status) else { throw refuse(.coReply) }
        var a = state.assignments
        let mine = a.indices.filter { a[$0].role == .co && a[$0].isActive && a[$0].coveredByActor }
        guard !mine.isEmpty else { throw .forbidden("only a co-unit (or a unit above it) may co-reply on this ticket") }
        guard let i = mine.first(where: { a[$0].closeMetAt == nil }) else { throw .conflict("the co-unit's opinion was already given") }
        a[i].closeMetAt = now
        if a[i].responseMetAt == nil { a[i].responseMetAt = now }
        repoint(&a[i])
        let onTime = a[i].closeDeadline.map { now <= $0 } ?? true
        var p = plan(.coReply, to: state.status, ["content": content, "basis": basis, "unit_id": String(a[i].unitId), "on_time": String(onTime)])
        p.resume = state.resume
        p.pending = state.pending
        p.assignments = [a[i]]
        return p
    }

    func reply(_ content: String, _ basis: String, _ informed: Bool) throws(Refusal) -> TicketPlan {
        let i = try leadIndex(for: .reply)
        var a = state.assignments[i]
        a.closeMetAt = now
        repoint(&a)
        let onTime = a.closeDeadline.map { now <= $0 } ?? true
        var p = plan(.reply, to: .replied, ["content": content, "basis": basis, "caller_informed": String(informed),
                                            "unit_id": String(a.unitId), "round": String(a.round), "on_time": String(onTime)])
        p.assignments = [a]
        return p
    }

    /// Approved: the callback clock starts and the reply becomes public. Rejected: rework — the
    /// close clock runs again against the same deadline and the ladder resumes where it stopped.
    func reviewReply(_ approve: Bool, _ note: String) throws(Refusal) -> TicketPlan {
        let i = try leadIndex(for: .replyReview)
        var a = state.assignments[i]
        var payload = ["approve": String(approve), "note": note]
        if approve {
            let due = calc.deadline(from: now, try policy(a.slaPolicy).callback, region: a.region)
            a.callbackStartedAt = now
            a.callbackDeadline = due
            payload["callback_deadline"] = format(due)
        } else {
            a.closeMetAt = nil
            repoint(&a)
        }
        var p = plan(.replyReview, to: approve ? .awaitingCallback : .accepted, payload)
        if approve {
            p.callbackDue = .set(a.callbackDeadline)
            p.outcome = ["reply": state.lastReply]
        }
        p.assignments = [a]
        return p
    }

    /// A supervisor's rung on the lead's running clock (not yet signed for: the response clock).
    func escalate(_ level: EscalationLevel, _ note: String) throws(Refusal) -> TicketPlan {
        let i = try leadIndex(for: .escalate)
        var a = state.assignments[i]
        let clock: ClockKind = a.responseMetAt == nil && a.responseDeadline != nil ? .response : .close
        guard !a.issued.contains(where: { $0.clock == clock && $0.level == level }) else {
            throw .conflict("a \(level.rawValue) was already issued on this assignment's \(clock.rawValue) clock in round \(a.round)")
        }
        let ladder = Ladder(calculator: calc, policy: try policy(a.slaPolicy))
        let deadline = (clock == .response ? a.responseDeadline : a.closeDeadline) ?? now
        let rung = Rung(clock: clock, round: a.round, level: level, issuedAt: now,
                        requiredBy: ladder.requiredBy(level, clock: clock, issuedAt: now, deadline: deadline, region: a.region),
                        issuedBy: ctx.actor.userId, note: note)
        a.issued.append(rung)
        repoint(&a)
        var payload = ["level": level.rawValue, "note": note, "unit_id": String(a.unitId), "clock": clock.rawValue, "round": String(a.round)]
        if let r = rung.requiredBy { payload["required_by"] = format(r) }
        var p = plan(.escalate, to: state.status, payload)
        p.resume = state.resume
        p.pending = state.pending
        p.assignments = [a]
        p.rungs = [PlannedRung(index: 0, rung: rung)]
        return p
    }

    func terminate(_ reason: String) throws(Refusal) -> TicketPlan {
        try checkState(.terminate)
        var p = plan(.terminate, to: .terminated, ["reason": reason])
        p.assignments = ended(state.assignments)
        p.callbackDue = .set(nil)
        p.closed = (nil, now)
        p.outcome = ["terminated": reason]
        return p
    }

    func ended(_ all: [AssignmentState]) -> [AssignmentState] {
        all.filter(\.isActive).map { a in
            var e = a
            e.status = .ended
            e.endedAt = now
            e.next = nil
            return e
        }
    }
}
