import Foundation
import Testing
@testable import HotlineCore

/// The lifecycle decided without a database: every verb × state, rounds, suspension across a
/// holiday, the ladder on a clock that is cured and goes overdue again, co-units, outcomes.
@Suite struct TicketDecisionTests {
    let zone = try! ServiceClockZone()
    var calc: DeadlineCalculator { DeadlineCalculator(calendar: officialCalendar, zone: zone) }
    let standard = SLAPolicy(code: "standard", name: "一般诉求", response: ClockLength(1, .workingDays), close: ClockLength(5, .workingDays),
                             callback: ClockLength(1, .workingDays), maxExtensionDays: 10, supervisionAfterDays: 3, referralAfterDays: 5,
                             callbackAttempts: 3, version: 1)
    func t(_ s: String) -> Date { Timestamp.parse(s)! }
    func f(_ d: Date?) -> String { d.map { Timestamp.format($0, in: zone.timeZone) } ?? "nil" }

    func ctx(_ now: String, role: Role = .handler, settings: AssessmentSettings = AssessmentSettings()) -> DecisionContext {
        DecisionContext(now: t(now), calculator: calc, policies: ["standard": standard], settings: settings,
                        actor: Actor(userId: 7, role: role, unitId: 10), activeUnits: [10, 11, 12, 20])
    }

    /// A ticket dispatched at `at` to unit 10 (lead, covered by the acting handler) and unit 11 (co).
    func dispatched(_ at: String, status: TicketStatus = .dispatched) throws -> TicketState {
        let base = TicketState(id: 5, status: .registered, version: 1, slaPolicy: nil, region: nil, categoryCode: nil, nature: .complaint,
                               hotlineNumber: "12345", resume: nil, pending: nil, round: 1, assignments: [], unreachedAttempts: 0, lastReply: "")
        var c = ctx(at, role: .dispatcher)
        c.activeUnits = [10, 11]
        let plan = try TicketDecision.decide(.dispatch(lead: 10, co: [11], slaPolicy: nil), on: base, c)
        var s = base
        s.status = status
        s.slaPolicy = "standard"
        s.assignments = plan.assignments.enumerated().map { i, a in var a = a; a.id = Int64(100 + i); a.coveredByActor = i == 0; return a }
        return s
    }

    func apply(_ s: inout TicketState, _ action: TicketAction, _ c: DecisionContext) throws -> TicketPlan {
        let p = try TicketDecision.decide(action, on: s, c)
        s.status = p.status
        s.pending = p.pending
        s.resume = p.resume
        for a in p.assignments {
            if let i = s.assignments.firstIndex(where: { $0.id == a.id && a.id != nil }) { s.assignments[i] = a }
        }
        for r in p.rungs {
            let id = p.assignments[r.index].id
            if let i = s.assignments.firstIndex(where: { $0.id == id }) { s.assignments[i].issued.append(r.rung) }
        }
        s.assignments = s.assignments.filter(\.isActive)
        return p
    }

    // MARK: every verb × state

    static let sampleActions: [TicketAction] = [
        .answer(kbEntryId: nil, answer: "已答复"), .reject(reason: "不属受理范围", advice: ""), .transfer(target: "110", note: ""),
        .merge(into: 6), .dispatch(lead: 10, co: [], slaPolicy: nil), .accept,
        .requestReturn(reason: "非本单位职责", basis: "", suggestedUnit: 12), .decideReturn(approve: false, newLead: nil, note: ""),
        .requestExtension(days: 2, reason: "需现场核查"), .decideExtension(approve: false, note: ""),
        .suspend(reason: "awaiting_ruling", note: "", until: nil), .decideSuspension(approve: false, note: ""), .resume(note: ""),
        .coReply(content: "协办意见", basis: ""), .reply(content: "已处理", basis: "", callerInformed: true),
        .reviewReply(approve: false, note: ""), .escalate(level: .supervision, note: ""), .terminate(reason: "诉讼"),
        .callback(reached: true, satisfaction: .satisfied, resolved: true, verdict: nil, note: ""),
        .linkedResult(outcome: .handled, note: "已处置", handledAt: nil, externalId: nil),
    ]

    @Test(arguments: TicketStatus.allCases)
    func everyVerbStateAndRole(_ status: TicketStatus) throws {
        #expect(Set(Self.sampleActions.map(\.verb)) == Set(Verb.allCases))
        for action in Self.sampleActions {
            for role in Role.allCases {
                var s = status == .registered ? TicketState(id: 5, status: .registered, version: 1, slaPolicy: nil, region: nil, categoryCode: nil,
                                                            nature: .complaint, hotlineNumber: "12345", resume: nil, pending: nil, round: 1,
                                                            assignments: [], unreachedAttempts: 0, lastReply: "")
                                          : try dispatched("2026-11-23T10:00:00+08:00", status: status)
                s.pending = [.returnRequested: .return(reason: "x", basis: "", unitId: 10, suggestedUnitId: 12),
                             .extensionRequested: .extension(workingDays: 2, reason: "x"),
                             .suspensionRequested: .suspension(reason: "awaiting_ruling", note: "", until: nil)][status]
                if status == .suspended { s.assignments[0].suspendedSince = t("2026-11-23T12:00:00+08:00") }
                if !status.isOpen { s.assignments = [] }
                var c = ctx("2026-11-24T10:00:00+08:00", role: role)
                c.mergeTarget = .dispatched
                c.activeUnits = [10, 11, 12]
                c.partnerReceived = true
                // The co-unit's own verbs (its accept, its opinion) are allowed in every working state.
                let coWork = (action.verb == .coReply || action.verb == .accept) && Lifecycle.working.contains(status)
                if action.verb == .coReply { s.assignments.indices.forEach { s.assignments[$0].coveredByActor = s.assignments[$0].role == .co } }
                if action.verb == .accept { s.assignments.indices.forEach { s.assignments[$0].coveredByActor = true } }
                let roleAllowed = action.verb.roles.contains(role)
                let stateAllowed = Lifecycle.allowed(action.verb, from: status) || coWork
                do {
                    _ = try TicketDecision.decide(action, on: s, c)
                    #expect(roleAllowed && stateAllowed, "\(role) \(action.verb) from \(status) should be refused")
                } catch let r {
                    switch r {
                    case .forbidden where !roleAllowed: break
                    case .notAllowed: #expect(roleAllowed && !stateAllowed, "\(role) \(action.verb) from \(status): \(r)")
                    default: #expect(roleAllowed && stateAllowed, "\(role) \(action.verb) from \(status): \(r)")
                    }
                }
            }
        }
    }

    @Test func aHandlerOfAnotherUnitIsForbiddenAfterTheStateCheck() throws {
        var s = try dispatched("2026-11-23T10:00:00+08:00")
        s.assignments[0].coveredByActor = false
        #expect(throws: Refusal.forbidden("only the lead unit (or a unit above it) may accept this ticket")) {
            try TicketDecision.decide(.accept, on: s, ctx("2026-11-23T11:00:00+08:00"))
        }
        s.status = .replied
        #expect { try TicketDecision.decide(.reply(content: "x", basis: "", callerInformed: true), on: s, ctx("2026-11-23T11:00:00+08:00")) }
            throws: { if case .notAllowed = $0 as? Refusal { return true } else { return false } }
    }

    // MARK: co-units

    @Test func coUnitsRunResponseAndCoReplyClocks() throws {
        var s = try dispatched("2026-11-23T10:00:00+08:00")   // Monday
        let co = s.assignments[1]
        #expect(co.role == .co && f(co.responseDeadline) == "2026-11-25T00:00:00+08:00")
        // 3 working days, and never later than one working day before the lead's close deadline (end of Mon 30th).
        #expect(f(s.assignments[0].closeDeadline) == "2026-12-01T00:00:00+08:00")
        #expect(f(co.closeDeadline) == "2026-11-27T00:00:00+08:00" && !co.coReplyCapped)
        s.assignments[0].coveredByActor = false
        s.assignments[1].coveredByActor = true
        let p = try apply(&s, .coReply(content: "建议由城管配合", basis: "职责"), ctx("2026-11-24T09:00:00+08:00"))
        #expect(p.status == .dispatched && p.events[0].kind == "co-reply" && p.events[0].payload["on_time"] == "true")
        #expect(s.assignments[1].closeMetAt == t("2026-11-24T09:00:00+08:00") && s.assignments[1].responseMetAt != nil)
        #expect(throws: Refusal.conflict("the co-unit's opinion was already given")) {
            try TicketDecision.decide(.coReply(content: "again", basis: ""), on: s, ctx("2026-11-24T10:00:00+08:00"))
        }
    }

    @Test func aShortLeadClockCapsTheCoReply() throws {
        var short = standard
        short.close = ClockLength(2, .workingDays)
        var c = ctx("2026-11-23T10:00:00+08:00", role: .dispatcher)
        c.policies["standard"] = short
        let base = TicketState(id: 5, status: .registered, version: 1, slaPolicy: nil, region: nil, categoryCode: nil, nature: .help,
                               hotlineNumber: "12345", resume: nil, pending: nil, round: 1, assignments: [], unreachedAttempts: 0, lastReply: "")
        let p = try TicketDecision.decide(.dispatch(lead: 10, co: [11], slaPolicy: nil), on: base, c)
        #expect(f(p.assignments[0].closeDeadline) == "2026-11-26T00:00:00+08:00")   // end of Wed 25th
        #expect(f(p.assignments[1].closeDeadline) == "2026-11-25T00:00:00+08:00" && p.assignments[1].coReplyCapped)  // end of Tue
    }

    // MARK: suspension

    @Test func suspensionAcrossNationalDayMovesTheDeadlineByTheSuspendedWorkingDays() throws {
        var s = try dispatched("2026-09-28T10:00:00+08:00", status: .accepted)
        s.assignments[0].responseMetAt = t("2026-09-28T11:00:00+08:00")
        #expect(f(s.assignments[0].closeDeadline) == "2026-10-11T00:00:00+08:00")  // 29, 30, 8, 9, 10 (make-up Saturday)
        _ = try apply(&s, .suspend(reason: "awaiting_ruling", note: "等待法院判决", until: nil), ctx("2026-09-29T09:00:00+08:00"))
        #expect(s.status == .suspensionRequested)
        #expect(throws: Refusal.invalid([FieldError("reason", "unknown value 'weather'; one of: awaiting_ruling, caller_unavailable, seasonal_work, third_party")])) {
            try TicketDecision.decide(.suspend(reason: "weather", note: "", until: nil), on: { var x = s; x.status = .accepted; return x }(), ctx("2026-09-29T09:00:00+08:00"))
        }
        _ = try apply(&s, .decideSuspension(approve: true, note: ""), ctx("2026-09-30T10:00:00+08:00", role: .dispatcher))
        #expect(s.status == .suspended && s.assignments[0].suspendedSince == t("2026-09-30T10:00:00+08:00"))
        #expect(s.assignments[0].next == nil)  // the ladder stands still with the clock
        let p = try apply(&s, .resume(note: "判决已出"), ctx("2026-10-09T10:00:00+08:00"))
        // Suspended Wed 30 Sep → Fri 9 Oct: Oct 8 and 9 are the working days it covered.
        #expect(p.status == .accepted && s.assignments[0].close?.suspendedDays == 2)
        #expect(f(s.assignments[0].closeDeadline) == "2026-10-14T00:00:00+08:00")
        #expect(p.events[0].payload["old_deadline"] == "2026-10-11T00:00:00+08:00")
    }

    @Test func suspensionIsCappedByThePolicy() throws {
        var s = try dispatched("2026-11-23T10:00:00+08:00", status: .accepted)
        var c = ctx("2026-11-23T11:00:00+08:00")
        c.policies["standard"]!.suspensionLimit = ClockLength(3, .workingDays)
        #expect(throws: Refusal.invalid([FieldError("until", "exceeds the policy's suspension limit: 3 working day(s) left")])) {
            try TicketDecision.decide(.suspend(reason: "seasonal_work", note: "", until: LocalDay(year: 2026, month: 12, day: 1)), on: s, c)
        }
        _ = try apply(&s, .suspend(reason: "seasonal_work", note: "", until: nil), c)
        var d = c
        d.actor = Actor(userId: 8, role: .dispatcher, unitId: nil)
        _ = try apply(&s, .decideSuspension(approve: true, note: ""), d)
        // No date asked: resumes by itself when the cap is reached (end of the 3rd working day).
        #expect(f(s.assignments[0].resumeAt) == "2026-11-27T00:00:00+08:00")
    }

    // MARK: the ladder

    @Test func theLadderStopsWhenAnExtensionCuresTheOverdueAndResumesAtTheNextRung() throws {
        var s = try dispatched("2026-11-23T10:00:00+08:00", status: .accepted)
        s.assignments[0].responseMetAt = t("2026-11-23T11:00:00+08:00")
        let ladder = Ladder(calculator: calc, policy: standard)
        func sweep(_ at: String) -> [Rung] {
            let a = s.assignments[0]
            let (rungs, next) = ladder.sweep(a.ladderClocks, round: a.round, issued: a.issued, now: t(at))
            s.assignments[0].issued += rungs
            s.assignments[0].next = next
            return rungs
        }
        // Early: nothing. Reminder at the start of the deadline's day (Mon 30th), not before.
        #expect(sweep("2026-11-27T10:00:00+08:00").isEmpty)
        #expect(f(s.assignments[0].next?.at) == "2026-11-30T00:00:00+08:00" && s.assignments[0].next?.level == .reminder)
        #expect(sweep("2026-11-30T09:00:00+08:00").map(\.level) == [.reminder])
        // Late: urging once the deadline passed.
        #expect(sweep("2026-12-01T00:00:00+08:00").map(\.level) == [.urging])
        #expect(sweep("2026-12-01T08:00:00+08:00").isEmpty)
        // An approved extension of 5 working days cures it: no supervision at its usual time.
        s.status = .extensionRequested
        s.pending = .extension(workingDays: 5, reason: "现场核查")
        s.resume = .accepted
        _ = try apply(&s, .decideExtension(approve: true, note: ""), ctx("2026-12-01T09:00:00+08:00", role: .dispatcher))
        #expect(f(s.assignments[0].closeDeadline) == "2026-12-08T00:00:00+08:00")
        #expect(sweep("2026-12-04T00:00:00+08:00").isEmpty)  // urging + 3 working days: cured, nothing issued
        // Overdue again: the next rung not yet issued (supervision), not a second urging.
        #expect(sweep("2026-12-08T00:00:01+08:00").map(\.level) == [.supervision])
        #expect(s.assignments[0].next?.level == .referral)
    }

    @Test func responseClocksClimbTheLadderToo() throws {
        let s = try dispatched("2026-11-23T10:00:00+08:00")
        let a = s.assignments[0]
        let (rungs, next) = Ladder(calculator: calc, policy: standard).sweep(a.ladderClocks, round: 1, issued: [], now: t("2026-11-25T00:00:00+08:00"))
        #expect(rungs.map { "\($0.clock.rawValue):\($0.level.rawValue)" } == ["response:urging"])
        #expect(next?.clock == .close && next?.level == .reminder)
    }

    @Test func manualEscalationJumpsAndTheLadderContinuesAboveIt() throws {
        var s = try dispatched("2026-11-23T10:00:00+08:00", status: .accepted)
        s.assignments[0].responseMetAt = t("2026-11-23T11:00:00+08:00")
        let p = try apply(&s, .escalate(level: .supervision, note: "领导批示"), ctx("2026-11-24T10:00:00+08:00", role: .supervisor))
        #expect(p.rungs.map(\.rung.level) == [.supervision] && p.rungs[0].rung.issuedBy == 7)
        #expect(s.assignments[0].next?.level == .referral)
        #expect(throws: Refusal.conflict("a supervision was already issued on this assignment's close clock in round 1")) {
            try TicketDecision.decide(.escalate(level: .supervision, note: ""), on: s, ctx("2026-11-24T11:00:00+08:00", role: .supervisor))
        }
    }

    // MARK: rounds

    @Test func reopeningStartsANewRoundThatIsSignedForAgain() throws {
        var s = try dispatched("2026-11-23T10:00:00+08:00", status: .accepted)
        s.assignments[0].responseMetAt = t("2026-11-23T11:00:00+08:00")
        s.assignments[0].issued = [Rung(clock: .close, round: 1, level: .reminder, issuedAt: t("2026-11-30T00:00:00+08:00"), requiredBy: nil)]
        _ = try apply(&s, .reply(content: "已修复", basis: "", callerInformed: true), ctx("2026-11-26T10:00:00+08:00"))
        _ = try apply(&s, .reviewReply(approve: true, note: ""), ctx("2026-11-26T11:00:00+08:00", role: .dispatcher))
        let p = try apply(&s, .callback(reached: true, satisfaction: .unsatisfied, resolved: false, verdict: .reopen, note: "路灯仍不亮"),
                          ctx("2026-11-27T10:00:00+08:00", role: .callback))
        #expect(p.status == .reopened && p.reopened)
        // Round 1 kept as it was: replied on time.
        #expect(p.rounds.count == 1 && p.rounds[0].round == 1 && p.rounds[0].closeMetAt == t("2026-11-26T10:00:00+08:00"))
        #expect(p.rounds[0].closeDeadline == t("2026-12-01T00:00:00+08:00"))
        let lead = s.assignments[0]
        #expect(lead.round == 2 && lead.responseMetAt == nil && lead.closeMetAt == nil && lead.issued.isEmpty)
        #expect(f(lead.responseDeadline) == "2026-12-01T00:00:00+08:00" && f(lead.closeDeadline) == "2026-12-05T00:00:00+08:00")
        // Signed for again before any reply.
        #expect { try TicketDecision.decide(.reply(content: "x", basis: "", callerInformed: true), on: s, ctx("2026-11-27T11:00:00+08:00")) }
            throws: { if case .notAllowed = $0 as? Refusal { return true } else { return false } }
        #expect(try apply(&s, .accept, ctx("2026-11-27T11:00:00+08:00")).status == .accepted)
    }

    // MARK: outcomes

    @Test func anUnsampledDirectAnswerClosesASampledOneWaitsForACallback() throws {
        var registered = TicketState(id: 1, status: .registered, version: 1, slaPolicy: nil, region: nil, categoryCode: nil, nature: .consult,
                                     hotlineNumber: "12345", resume: nil, pending: nil, round: 1, assignments: [], unreachedAttempts: 0, lastReply: "")
        let sampledId = (1...200).first { TicketDecision.sampled(ticket: Int64($0), percent: 10) }!
        let unsampledId = (1...200).first { !TicketDecision.sampled(ticket: Int64($0), percent: 10) }!
        registered.id = Int64(unsampledId)
        let closed = try TicketDecision.decide(.answer(kbEntryId: nil, answer: "可网上办理"), on: registered, ctx("2026-11-23T10:00:00+08:00", role: .agent))
        #expect(closed.status == .closed && closed.closed?.reason == "direct_answer")
        registered.id = Int64(sampledId)
        let waiting = try TicketDecision.decide(.answer(kbEntryId: nil, answer: "可网上办理"), on: registered, ctx("2026-11-23T10:00:00+08:00", role: .agent))
        #expect(waiting.status == .awaitingCallback && waiting.callbackDue == .set(t("2026-11-25T00:00:00+08:00")))
    }

    @Test func anExpiredEntryCannotAnswer() throws {
        let s = TicketState(id: 1, status: .registered, version: 1, slaPolicy: nil, region: nil, categoryCode: nil, nature: .consult,
                            hotlineNumber: "12345", resume: nil, pending: nil, round: 1, assignments: [], unreachedAttempts: 0, lastReply: "")
        var c = ctx("2026-11-23T10:00:00+08:00", role: .agent)
        c.entry = AnswerEntry(id: 3, version: 2, answer: "旧政策", retired: false, validFrom: nil, validTo: LocalDay(year: 2026, month: 10, day: 31))
        #expect(throws: Refusal.self) { try TicketDecision.decide(.answer(kbEntryId: "3", answer: ""), on: s, c) }
        c.entry?.validTo = LocalDay(year: 2026, month: 11, day: 23)   // valid through today
        let p = try TicketDecision.decide(.answer(kbEntryId: "3", answer: ""), on: s, c)
        #expect(p.outcome?["answer"] == "旧政策" && p.outcome?["kb_version"] == "2")
    }

    @Test func theKnowledgeBaseOnlySuggestsARouteUnlessKbRoutingIsOn() {
        let c = RouteCandidates(rule: nil, kbSuggestion: (unit: 20, entry: 9), hotlineDefault: 30, regionGovernment: 40)
        #expect(Routing.choose(explicitLead: nil, co: [], sla: nil, ticketPolicy: nil, candidates: c, kbRouting: false)?.lead == 30)
        #expect(Routing.choose(explicitLead: nil, co: [], sla: nil, ticketPolicy: nil, candidates: c, kbRouting: true)?.lead == 20)
        let rule = RouteCandidates.Rule(row: 1, version: 2, lead: 50, co: [51], policy: "utilities")
        #expect(Routing.choose(explicitLead: nil, co: [], sla: nil, ticketPolicy: nil,
                               candidates: RouteCandidates(rule: rule, kbSuggestion: (unit: 20, entry: 9)), kbRouting: true)?.lead == 50)
        #expect(Routing.choose(explicitLead: nil, co: [], sla: nil, ticketPolicy: nil,
                               candidates: RouteCandidates(regionGovernment: 40), kbRouting: false)?.via == "region_government")
        #expect(Routing.choose(explicitLead: nil, co: [], sla: nil, ticketPolicy: nil, candidates: RouteCandidates(), kbRouting: false) == nil)
    }

    @Test func unreachableCallersCloseAfterThePolicysAttempts() throws {
        var s = try dispatched("2026-11-23T10:00:00+08:00", status: .awaitingCallback)
        s.unreachedAttempts = 1
        let c = ctx("2026-11-27T10:00:00+08:00", role: .callback)
        #expect(try TicketDecision.decide(.callback(reached: false, satisfaction: nil, resolved: nil, verdict: nil, note: ""), on: s, c).status == .awaitingCallback)
        s.unreachedAttempts = 2
        let p = try TicketDecision.decide(.callback(reached: false, satisfaction: nil, resolved: nil, verdict: nil, note: ""), on: s, c)
        #expect(p.status == .closed && p.closed?.reason == "unreachable" && p.assignments.allSatisfy { $0.status == .ended })
    }

    // MARK: calendar edits

    @Test func aNewHolidayInsideARunningClockMovesItsDeadline() throws {
        let s = try dispatched("2026-11-23T10:00:00+08:00", status: .accepted)
        var edited = officialCalendar
        edited.exceptions[LocalDay(year: 2026, month: 11, day: 26)] = .holiday
        let c = DecisionContext(now: t("2026-11-24T10:00:00+08:00"), calculator: DeadlineCalculator(calendar: edited, zone: zone),
                                policies: ["standard": standard], settings: AssessmentSettings(), actor: .system)
        let (after, moved) = TicketDecision(s, c).rederive(s.assignments)
        #expect(f(after[0].closeDeadline) == "2026-12-02T00:00:00+08:00")
        #expect(moved.contains { $0.clock == .close && $0.old == t("2026-12-01T00:00:00+08:00") })
        #expect(moved.contains { $0.clock == .coReply })   // the co-unit's clock counts through the 26th too
    }
}

@Suite struct ProvisionalCalendarTests {
    let zone = try! ServiceClockZone()

    @Test func statutoryHolidaysOf2026MatchThePublishedNotice() {
        let days = StatutoryHolidays.days(2026)
        #expect(days.count == 13)
        for d in days { #expect(!officialCalendar.isWorkingDay(d), "\(d) is a statutory holiday") }
        #expect(days.contains(LocalDay(year: 2026, month: 2, day: 16)) && days.contains(LocalDay(year: 2026, month: 9, day: 25)))
    }

    @Test func lunarAndSolarTermDatesOf2027() {
        let days = Set(StatutoryHolidays.days(2027))
        for (m, d) in [(1, 1), (2, 5), (2, 6), (2, 7), (2, 8), (4, 5), (5, 1), (5, 2), (6, 9), (9, 15), (10, 1), (10, 2), (10, 3)] {
            #expect(days.contains(LocalDay(year: 2027, month: m, day: d)), "2027-\(m)-\(d)")
        }
        #expect(StatutoryHolidays.qingming(2028) == LocalDay(year: 2028, month: 4, day: 4))
    }

    @Test func anUnpublishedYearIsProvisionalNotMondayToFriday() {
        var cal = officialCalendar
        cal = WorkingCalendar(exceptions: cal.exceptions, published: [2025, 2026], provisionalYears: 2025...2030)
        let calc = DeadlineCalculator(calendar: cal, zone: zone)
        let from = Timestamp.parse("2026-12-31T10:00:00+08:00")!
        let d = calc.deadline(from: from, ClockLength(1, .workingDays))
        #expect(Timestamp.format(d, in: zone.timeZone) == "2027-01-05T00:00:00+08:00")  // 1 Jan is off, then the weekend
        #expect(calc.isProvisional(start: from, deadline: d, unit: .workingDays))
        let inside = Timestamp.parse("2026-11-02T10:00:00+08:00")!
        #expect(!calc.isProvisional(start: inside, deadline: calc.deadline(from: inside, ClockLength(5, .workingDays)), unit: .workingDays))
        #expect(!calc.isProvisional(start: from, deadline: from.addingTimeInterval(86400 * 3), unit: .hours))
    }
}
