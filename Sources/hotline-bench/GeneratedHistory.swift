import Foundation
import HotlineCommandLine
import HotlineCore
import HotlineStore

/// One chunk of generated history as COPY text, one stream per table.
struct HistoryChunk {
    var tickets = CopyText()
    var assignments = CopyText()
    var callbacks = CopyText()
    var escalations = CopyText()
    var events = CopyText()

    static let ticketColumns = [
        "id", "number", "query_code", "hotline_number", "channel", "intake_hash", "received_at", "created_at", "updated_at", "source",
        "caller_name", "caller_phone", "nature", "category_code", "region_code", "title", "content", "sla_policy", "status",
        "dispatched_via", "outcome", "reopen_count", "callback_due_at", "closed_reason", "closed_at", "text_bigrams"]
    static let assignmentColumns = [
        "id", "ticket_id", "unit_id", "role", "dispatched_at", "ended_at", "status", "sla_policy", "region_code", "response_deadline",
        "response_met_at", "close_unit", "close_deadline", "close_met_at", "extension_days", "callback_started_at", "callback_deadline",
        "callback_met_at", "next_escalation_level", "next_escalation_at", "reopen_count", "received_at"]
    static let callbackColumns = ["ticket_id", "assignment_id", "at", "reached", "satisfaction", "resolved", "verdict"]
    static let escalationColumns = ["ticket_id", "assignment_id", "unit_id", "level", "issued_at", "required_by"]
    static let eventColumns = ["ticket_id", "at", "actor_role", "kind", "from_status", "to_status", "payload"]
}

/// Plays one ticket's life forward from its arrival and cuts it at `asOf`: what had happened by
/// then is in the rows, what had not is not (a ticket that arrived an hour before `asOf` is still
/// waiting for its unit; one from last year is long closed). Durations are drawn from a mix that
/// makes most work on time and some of it late, so the open share and the ladder follow the
/// calendar like the real queue. Assignment ids are the caller's (COPY gives them explicitly,
/// because callbacks and escalations point at them); the other tables take their own identities.
struct HistorySimulator {
    let units: [Int64]
    let categories: [String]
    let regions: [String]
    let hotlines: [String]
    let vocabulary: Vocabulary
    let calc: DeadlineCalculator
    let policy: SLAPolicy
    let asOf: Date
    /// Tickets received after this moment get a duplicate fingerprint (the finder looks back a week).
    let fingerprintSince: Date

    private var ladder: Ladder { Ladder(calculator: calc, policy: policy) }

    /// Lead-assignment facts the ladder and the ticket row need.
    private struct Lead {
        var id: Int64
        var unit: Int64
        var dispatched: Date
        var closeDeadline: Date
    }

    func ticket(id: Int64, number: String, received: Date, rng: inout SplitMix, nextAssignment: inout Int64, into out: inout HistoryChunk) {
        func pick<T>(_ a: [T]) -> T { a[Int(rng.next() % UInt64(a.count))] }
        func chance(_ p: Double) -> Bool { Double(rng.next() % 1_000_000) / 1_000_000 < p }
        func minutes(_ lo: Int, _ hi: Int) -> TimeInterval { Double(lo + Int(rng.next() % UInt64(hi - lo + 1))) * 60 }
        func event(_ at: Date, _ role: StaticString, _ kind: StaticString, _ from: StaticString?, _ to: StaticString?, payload: String? = nil) {
            out.events.int(id); out.events.time(at); out.events.raw(role); out.events.raw(kind)
            if let from { out.events.raw(from) } else { out.events.null() }
            if let to { out.events.raw(to) } else { out.events.null() }
            if let payload { out.events.text(payload) } else { out.events.raw("{\"source\":\"gen\"}") }
            out.events.endRow()
        }

        let hotline = chance(0.6) ? "12345" : pick(hotlines)
        let channel = chance(0.7) ? "phone" : pick(["wechat", "app", "web", "email", "sms", "transfer_110", "upper_platform", "grid", "letter"])
        let nature = pick(["consult", "consult", "help", "complaint", "complaint", "report", "suggestion", "praise", "other"])
        let region = pick(regions)
        let title = vocabulary.phrase(&rng, words: 3...6)
        let content = vocabulary.phrase(&rng, words: 15...40) + "。"
        let anonymous = chance(0.08)
        let mobile: UInt64 = 13_000_000_000 + rng.next() % 6_000_000_000
        let phone: String? = anonymous ? nil : String(mobile)
        let surname: String = pick(["张", "王", "李", "赵", "刘", "陈", "杨", "黄"])
        let name: String? = anonymous || chance(0.4) ? nil : surname + (chance(0.5) ? "先生" : "女士")

        var status: StaticString = "registered"
        var updated = received
        var outcome: StaticString? = nil
        var dispatchedVia: StaticString? = nil
        var callbackDue: Date? = nil, closedReason: StaticString? = nil, closedAt: Date? = nil
        var reopenCount = 0
        event(received, "agent", "registered", nil, "registered")

        let roll = Double(rng.next() % 10_000) / 10_000
        let answered = received.addingTimeInterval(minutes(2, 15))
        if roll < 0.10 && answered <= asOf {  // settled on the call
            if roll < 0.08 { status = "answered"; outcome = "{\"answer\":\"按政策答复\"}"; event(answered, "agent", "answer", "registered", "answered") }
            else if roll < 0.09 { status = "rejected"; event(answered, "agent", "reject", "registered", "rejected") }
            else { status = "transferred"; event(answered, "agent", "transfer", "registered", "transferred") }
            updated = answered
        } else if roll >= 0.10, received.addingTimeInterval(300) <= asOf {
            dispatchedVia = "rule"
            var dispatched = min(asOf, received.addingTimeInterval(minutes(5, 180)))
            event(dispatched, "dispatcher", "dispatch", "registered", "dispatched")
            var unit = pick(units)
            // 3 %: the first unit shows it is not theirs and the hotline sends it elsewhere.
            let returnedAt = dispatched.addingTimeInterval(minutes(30, 600))
            let redispatched = returnedAt.addingTimeInterval(minutes(10, 120))
            if chance(0.03), redispatched <= asOf {
                let first = unit
                while unit == first { unit = pick(units) }
                assignment(&out, id: nextAssignment, ticket: id, received: received, unit: first, dispatched: dispatched, ended: redispatched, status: "returned",
                           region: region, response: calc.deadline(from: dispatched, policy.response, region: region), responseMet: nil,
                           close: calc.deadline(from: dispatched, policy.close, region: region), closeMet: nil, extensionDays: 0,
                           callback: nil, next: nil, reopen: 0)
                nextAssignment += 1
                event(returnedAt, "handler", "return", "dispatched", "return_requested")
                event(redispatched, "dispatcher", "return-decision", "return_requested", "dispatched")
                dispatched = redispatched
            }
            var lead = Lead(id: nextAssignment, unit: unit, dispatched: dispatched, closeDeadline: calc.deadline(from: dispatched, policy.close, region: region))
            nextAssignment += 1
            let responseDeadline = calc.deadline(from: dispatched, policy.response, region: region)
            var ended: Date? = nil, responseMet: Date? = nil, closeMet: Date? = nil, extensionDays = 0
            var callbackStart: Date? = nil, callbackDeadline: Date? = nil, callbackMet: Date? = nil
            var ladderEnd = asOf
            status = "dispatched"; updated = dispatched

            let acceptDelay = chance(0.90) ? minutes(10, 600) : (chance(0.9) ? minutes(1500, 4000) : minutes(5 * 1440, 20 * 1440))
            let accepted = dispatched.addingTimeInterval(acceptDelay)
            if accepted <= asOf {
                responseMet = accepted; status = "accepted"; updated = accepted
                event(accepted, "handler", "accept", "dispatched", "accepted")
                if chance(0.05), accepted.addingTimeInterval(3 * 3600) <= asOf {
                    extensionDays = 1 + Int(rng.next() % 5)
                    lead.closeDeadline = calc.extend(lead.closeDeadline, workingDays: extensionDays, naturalTime: false, region: region)
                    event(accepted.addingTimeInterval(3600), "handler", "extension", "accepted", "extension_requested")
                    event(accepted.addingTimeInterval(3 * 3600), "dispatcher", "extension-decision", "extension_requested", "accepted")
                }
                let replyDelay = chance(0.85) ? minutes(60, 4 * 1440) : (chance(0.85) ? minutes(7 * 1440, 12 * 1440) : minutes(15 * 1440, 30 * 1440))
                let replied = accepted.addingTimeInterval(replyDelay)
                let terminatedAt = accepted.addingTimeInterval(minutes(1440, 3 * 1440))
                if chance(0.01) {
                    if terminatedAt <= asOf {
                        status = "terminated"; updated = terminatedAt; ended = terminatedAt; closedAt = terminatedAt; ladderEnd = terminatedAt
                        outcome = "{\"terminated\":\"诉求人撤诉\"}"
                        event(terminatedAt, "dispatcher", "terminate", "accepted", "terminated")
                    }
                } else if replied <= asOf {
                    closeMet = replied; ladderEnd = replied; status = "replied"; updated = replied
                    event(replied, "handler", "reply", "accepted", "replied")
                    let reviewed = replied.addingTimeInterval(minutes(10, 120))
                    if reviewed <= asOf {
                        callbackStart = reviewed
                        callbackDeadline = calc.deadline(from: reviewed, policy.callback, region: region)
                        status = "awaiting_callback"; updated = reviewed; callbackDue = callbackDeadline
                        outcome = "{\"reply\":\"已按规定办理并答复诉求人\"}"
                        event(reviewed, "dispatcher", "reply-review", "replied", "awaiting_callback")
                        let called = reviewed.addingTimeInterval(minutes(120, 1440))
                        if called <= asOf {
                            let reached = chance(0.92)
                            let s = rng.next() % 100
                            let satisfaction: StaticString = s < 80 ? "satisfied" : (s < 92 ? "basically_satisfied" : "unsatisfied")
                            let resolved = chance(0.86)
                            let reopen = reached && s >= 92 && chance(0.3)
                            out.callbacks.int(id); out.callbacks.int(lead.id); out.callbacks.time(called); out.callbacks.bool(reached)
                            if reached { out.callbacks.raw(satisfaction); out.callbacks.bool(resolved) } else { out.callbacks.null(); out.callbacks.null() }
                            if reopen { out.callbacks.raw("reopen") } else { out.callbacks.null() }
                            out.callbacks.endRow()
                            callbackMet = called; callbackDue = nil; updated = called
                            if reopen {
                                // 重办: the same unit again, fresh close clock; closes quickly this time or is still open.
                                reopenCount = 1
                                event(called, "callback", "callback", "awaiting_callback", "reopened")
                                lead.closeDeadline = calc.deadline(from: called, policy.close, region: region)
                                let again = called.addingTimeInterval(minutes(1440, 4 * 1440))
                                closeMet = nil; status = "reopened"; ladderEnd = asOf
                                if again <= asOf {
                                    closeMet = again; ladderEnd = again
                                    event(again, "handler", "reply", "reopened", "replied")
                                    event(again.addingTimeInterval(1800), "dispatcher", "reply-review", "replied", "awaiting_callback")
                                    event(again.addingTimeInterval(7200), "callback", "callback", "awaiting_callback", "closed")
                                    status = "closed"; closedReason = "callback"; closedAt = again.addingTimeInterval(7200)
                                    ended = closedAt; updated = closedAt!; callbackMet = closedAt
                                }
                            } else {
                                status = "closed"; closedReason = reached ? "callback" : "unreachable"; closedAt = called; ended = called
                                event(called, "callback", "callback", "awaiting_callback", "closed")
                            }
                        }
                    }
                }
            }
            // The escalation ladder over the time the close clock ran (or runs) unmet.
            let clock = LadderClock(kind: .close, start: lead.dispatched, deadline: lead.closeDeadline, unit: policy.close.unit, running: true, region: region)
            var issued: [Rung] = []
            while let rung = ladder.next(clock, issued: issued), rung.at < ladderEnd {
                out.escalations.int(id); out.escalations.int(lead.id); out.escalations.int(lead.unit); out.escalations.text(rung.level.rawValue)
                out.escalations.time(rung.at)
                out.escalations.time(ladder.requiredBy(rung.level, clock: .close, issuedAt: rung.at, deadline: lead.closeDeadline, region: region))
                out.escalations.endRow()
                event(rung.at, "system", "escalation", nil, nil,
                      payload: "{\"level\":\"\(rung.level.rawValue)\",\"unit_id\":\"\(lead.unit)\",\"issued_by\":\"system\"}")
                issued.append(Rung(clock: .close, round: 1, level: rung.level, issuedAt: rung.at, requiredBy: nil))
            }
            let open = ended == nil && closeMet == nil
            let next = ladder.next(clock, issued: issued).map { (level: $0.level, at: $0.at) }
            assignment(&out, id: lead.id, ticket: id, received: received, unit: lead.unit, dispatched: lead.dispatched, ended: ended, status: ended == nil ? "active" : "ended",
                       region: region, response: responseDeadline, responseMet: responseMet, close: lead.closeDeadline, closeMet: closeMet,
                       extensionDays: extensionDays, callback: callbackStart.map { ($0, callbackDeadline!, callbackMet) },
                       next: open ? next : nil, reopen: reopenCount)
        }

        fill(&out.tickets) { t in
        t.int(id); t.text(number); t.text(String(String(1_000_000 + rng.next() % 1_000_000).dropFirst())); t.text(hotline); t.text(channel)
        t.raw("\\\\x00"); t.time(received); t.time(received); t.time(updated); t.raw("import"); t.text(name); t.text(phone)
        t.text(nature); t.text(pick(categories)); t.text(region); t.text(title); t.text(content)
        if dispatchedVia != nil { t.raw("standard") } else { t.null() }
        t.raw(status)
        if let dispatchedVia { t.raw(dispatchedVia) } else { t.null() }
        if let outcome { t.raw(outcome) } else { t.null() }
        t.int(Int64(reopenCount)); t.time(callbackDue)
        if let closedReason { t.raw(closedReason) } else { t.null() }
        t.time(closedAt)
        t.intArray(received >= fingerprintSince ? TicketStore.fingerprint(title: title, content: content, address: nil) : nil)
        t.endRow()
        }
    }

    private func fill(_ rows: inout CopyText, _ body: (inout CopyText) -> Void) { body(&rows) }

    private func assignment(_ out: inout HistoryChunk, id: Int64, ticket: Int64, received: Date, unit: Int64, dispatched: Date, ended: Date?, status: StaticString,
                            region: String, response: Date, responseMet: Date?, close: Date, closeMet: Date?, extensionDays: Int,
                            callback: (start: Date, deadline: Date, met: Date?)?, next: (level: EscalationLevel, at: Date)?, reopen: Int) {
        fill(&out.assignments) { a in
        a.int(id); a.int(ticket); a.int(unit); a.raw("lead"); a.time(dispatched); a.time(ended); a.raw(status); a.raw("standard")
        a.text(region); a.time(response); a.time(responseMet); a.text(policy.close.unit.rawValue); a.time(close); a.time(closeMet)
        a.int(Int64(extensionDays)); a.time(callback?.start); a.time(callback?.deadline); a.time(callback?.met)
        a.text(next?.level.rawValue); a.time(next?.at); a.int(Int64(reopen)); a.time(received)
        a.endRow()
        }
    }
}
