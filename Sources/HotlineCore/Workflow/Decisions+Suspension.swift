import Foundation

/// 挂起: the one pause. Asked by the lead unit with a configured reason, approved by the
/// dispatcher; while suspended the close clock stands still; on resume (unit, dispatcher, or the
/// sweeper at the requested date or the policy's cap) the deadline moves by the suspended time in
/// the clock's own unit.
extension TicketDecision {
    /// What is left of the policy's cap, in the close clock's unit (days or seconds).
    func suspensionLeft(_ lead: AssignmentState, _ policy: SLAPolicy) -> (days: Int, seconds: Double) {
        let limit = policy.suspensionLimit
        switch limit.unit {
        case .workingDays: return (limit.amount - (lead.close?.suspendedDays ?? 0), 0)
        case .hours, .minutes:
            let total = Double(limit.amount) * (limit.unit == .hours ? 3600 : 60)
            return (0, total - (lead.close?.suspendedSeconds ?? 0))
        }
    }

    /// When a suspension approved now ends at the latest: the requested date, capped by the policy.
    func resumeAt(_ lead: AssignmentState, _ policy: SLAPolicy, until: LocalDay?) -> Date {
        let left = suspensionLeft(lead, policy)
        let cap = policy.suspensionLimit.unit == .workingDays
            ? calc.deadline(from: now, ClockLength(max(left.days, 0), .workingDays), region: lead.region)
            : now.addingTimeInterval(max(left.seconds, 0))
        guard let until else { return cap }
        return min(cap, calc.zone.startOfDay(until))
    }

    func suspend(_ reason: String, _ note: String, _ until: LocalDay?) throws(Refusal) -> TicketPlan {
        let i = try leadIndex(for: .suspend)
        let lead = state.assignments[i]
        let policy = try policy(lead.slaPolicy)
        guard policy.suspensionReasons.contains(reason) else {
            throw .invalid([FieldError("reason", "unknown value '\(reason)'; one of: \(policy.suspensionReasons.joined(separator: ", "))")])
        }
        let left = suspensionLeft(lead, policy)
        guard left.days > 0 || left.seconds > 0 else { throw .conflict("the policy's suspension limit is used up for this assignment") }
        if let until {
            guard until > today else { throw .invalid([FieldError("until", "must be a day after today")]) }
            if policy.suspensionLimit.unit == .workingDays {
                let asked = calc.calendar.workingDays(after: today, through: until, region: lead.region)
                guard asked <= left.days else {
                    throw .invalid([FieldError("until", "exceeds the policy's suspension limit: \(left.days) working day(s) left")])
                }
            } else if calc.zone.startOfDay(until).timeIntervalSince(now) > left.seconds {
                throw .invalid([FieldError("until", "exceeds the policy's suspension limit: \(Int(left.seconds / 3600)) hour(s) left")])
            }
        }
        var payload = ["kind": "suspension", "reason": reason, "note": note]
        if let until { payload["until"] = until.description }
        var p = plan(.suspend, to: .suspensionRequested, payload)
        p.pending = .suspension(reason: reason, note: note, until: until)
        p.resume = state.status
        return p
    }

    func decideSuspension(_ approve: Bool, _ note: String) throws(Refusal) -> TicketPlan {
        let i = try leadIndex(for: .suspendDecision)
        guard case .suspension(_, _, let until)? = state.pending else { throw .conflict("no suspension request is pending") }
        var payload = ["approve": String(approve), "note": note]
        guard approve else { return plan(.suspendDecision, to: state.resume ?? .accepted, payload) }
        var a = state.assignments
        a[i].suspendedSince = now
        let lead = a[i], leadPolicy = try policy(lead.slaPolicy)
        a[i].resumeAt = resumeAt(lead, leadPolicy, until: until)
        repoint(&a[i])
        payload["resume_at"] = format(a[i].resumeAt)
        var p = plan(.suspendDecision, to: .suspended, payload)
        p.resume = state.resume ?? .accepted
        p.assignments = [a[i]]
        return p
    }

    func resume(_ note: String) throws(Refusal) -> TicketPlan {
        let i = try leadIndex(for: .resume)
        var a = state.assignments
        guard let since = a[i].suspendedSince else { throw .conflict("the ticket is not suspended") }
        let old = a[i].closeDeadline
        let region = a[i].region
        a[i].close?.addSuspension(since: since, until: now, calc, region: region)
        a[i].suspendedSince = nil
        a[i].resumeAt = nil
        derive(&a[i], lead: nil)
        let payload = ["note": note, "suspended_since": format(since), "old_deadline": format(old),
                       "close_deadline": format(a[i].closeDeadline), "by": ctx.actor.userId == nil ? "system" : "user"]
        var p = plan(.resume, to: state.resume ?? .accepted, payload)
        p.assignments = [a[i]] + following(lead: a[i], in: a)
        return p
    }
}
