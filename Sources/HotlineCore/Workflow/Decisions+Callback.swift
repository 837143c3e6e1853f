import Foundation

/// 回访: reached and satisfied closes; unsatisfied needs a verdict (reopen as a new round, or close
/// as unreasonable); an unreachable caller closes the ticket when the policy's attempts are used up.
extension TicketDecision {
    func callback(_ reached: Bool, _ satisfaction: Satisfaction?, _ resolved: Bool?, _ verdict: CallbackVerdict?,
                  _ note: String) throws(Refusal) -> TicketPlan {
        try checkState(.callback)
        let li = state.leadIndex
        if li == nil && verdict == .reopen {
            throw .invalid([FieldError("verdict", "a direct answer cannot be reopened; register a new ticket")])
        }
        let policy = try policy(li.map { state.assignments[$0].slaPolicy } ?? state.slaPolicy)
        let attempt = reached ? 1 : state.unreachedAttempts + 1
        let target: TicketStatus
        if !reached { target = attempt >= policy.callbackAttempts ? .closed : .awaitingCallback }
        else if satisfaction == .unsatisfied && verdict == .reopen { target = .reopened }
        else { target = .closed }
        var payload = ["reached": String(reached), "note": note, "attempt": String(attempt)]
        if let satisfaction { payload["satisfaction"] = satisfaction.rawValue }
        if let resolved { payload["resolved"] = String(resolved) }
        if let verdict { payload["verdict"] = verdict.rawValue }
        var p = plan(.callback, to: target, payload)
        p.callback = CallbackRecord(assignmentId: li.map { state.assignments[$0].id } ?? nil, reached: reached,
                                    satisfaction: satisfaction, resolved: resolved, verdict: verdict, note: note)
        switch target {
        case .reopened:
            var lead = state.assignments[li!]
            p.rounds = [round(of: lead)]
            reopen(&lead, policy)
            p.events[0].payload["round"] = String(lead.round)
            p.events[0].payload["response_deadline"] = format(lead.responseDeadline)
            p.events[0].payload["close_deadline"] = format(lead.closeDeadline)
            p.assignments = [lead]
            p.reopened = true
            p.callbackDue = .set(nil)
        case .closed:
            let reason = !reached ? "unreachable" : (verdict == .closeUnreasonable ? "unreasonable" : (li == nil ? "direct_answer" : "callback"))
            var all = state.assignments
            if let li { all[li].callbackMetAt = now }
            p.assignments = ended(all)
            p.callbackDue = .set(nil)
            p.closed = (reason, now)
            p.events[0].payload["closed_reason"] = reason
        default:
            p.resume = state.resume
        }
        return p
    }

    /// The round as it ended, kept for the record and every report.
    func round(of a: AssignmentState) -> RoundRecord {
        RoundRecord(assignmentId: a.id ?? 0, round: a.round, responseDeadline: a.responseDeadline, responseMetAt: a.responseMetAt,
                    closeDeadline: a.closeDeadline, closeMetAt: a.closeMetAt, extensionDays: a.close?.extensionDays ?? 0,
                    suspendedDays: a.close?.suspendedDays ?? 0, endedAt: now)
    }

    /// 重办: the same unit, a new round — signed for again (a response clock), a fresh close clock,
    /// the ladder from its first rung.
    func reopen(_ a: inout AssignmentState, _ policy: SLAPolicy) {
        a.round += 1
        a.reopenCount += 1
        a.callbackMetAt = now
        a.callbackStartedAt = nil
        a.callbackDeadline = nil
        a.response = ClockSpec(start: now, length: policy.response)
        a.responseMetAt = nil
        a.close = ClockSpec(start: now, length: policy.close)
        a.closeMetAt = nil
        a.issued = []
        derive(&a, lead: nil)
    }
}

/// Calendar edits move running clocks: every running deadline derived again; what moved is
/// answered with its old and new instant (the `deadline_moved` events).
extension TicketDecision {
    public struct MovedDeadline: Sendable, Equatable {
        public var assignmentIndex: Int
        public var clock: ClockKind
        public var old: Date
        public var new: Date
    }

    public func rederive(_ all: [AssignmentState]) -> (assignments: [AssignmentState], moved: [MovedDeadline]) {
        var out = all, moved: [MovedDeadline] = []
        let leadIndex = out.firstIndex { $0.role == .lead && $0.isActive }
        var order = Array(out.indices)
        if let leadIndex { order.removeAll { $0 == leadIndex }; order.insert(leadIndex, at: 0) }
        for i in order where out[i].isActive {
            let before = out[i]
            derive(&out[i], lead: out[i].role == .co ? leadIndex.map { out[$0] } : nil)
            if before.responseMetAt == nil, let o = before.responseDeadline, let n = out[i].responseDeadline, o != n {
                moved.append(MovedDeadline(assignmentIndex: i, clock: .response, old: o, new: n))
            }
            if before.closeMetAt == nil, let o = before.closeDeadline, let n = out[i].closeDeadline, o != n {
                moved.append(MovedDeadline(assignmentIndex: i, clock: before.closeKind, old: o, new: n))
            }
        }
        return (out, moved)
    }
}
