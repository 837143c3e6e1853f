import Testing
@testable import HotlineCore

@Suite struct AssessmentTests {
    @Test func scoreIsTheWeightedMeanOfTheRatesThatExist() {
        let s = AssessmentSettings()
        #expect(UnitAssessment.score(response: 0.5, resolution: 2.0 / 3, satisfaction: 1, settings: s).0 == 73.33)
        // No callbacks yet: response alone (renormalized), and the basis says so.
        let (alone, basis) = UnitAssessment.score(response: 0.8, resolution: nil, satisfaction: nil, settings: s)
        #expect(alone == 80 && basis.map(\.rate) == ["response_rate"] && basis[0].weight == 1)
        #expect(UnitAssessment.score(response: nil, resolution: nil, satisfaction: nil, settings: s).0 == nil)
    }

    @Test func missingRateZeroCountsAMissingRateAsZero() {
        let s = AssessmentSettings(missingRate: .zero)
        let (score, basis) = UnitAssessment.score(response: 0.8, resolution: nil, satisfaction: nil, settings: s)
        #expect(score == 24)  // 100 × 0.30 × 0.8
        #expect(basis.map(\.rate) == ["response_rate", "resolution_rate", "satisfaction_rate"] && basis[1].value == 0)
        #expect(UnitAssessment.score(response: nil, resolution: nil, satisfaction: nil, settings: s).0 == nil)
    }

    @Test func ratesFromCountsAndTheBasicallySatisfiedWeight() {
        var c = UnitCounts()
        c.dispatched = 5; c.returned = 1; c.respondedInTime = 2; c.due = 3; c.closedInTime = 2
        c.reached = 3; c.resolved = 2; c.satisfied = 2; c.basicallySatisfied = 1; c.reopened = 1
        let a = UnitAssessment(unitId: "1", unitCode: "A", unitName: "A", level: "district", counts: c, settings: AssessmentSettings())
        #expect(a.received == 4 && a.responseRate == 0.5 && a.returnRate == 0.2 && a.reopenRate == 0.25 && a.satisfactionRate == 1)
        let half = UnitAssessment(unitId: "1", unitCode: "A", unitName: "A", level: "district", counts: c,
                                  settings: AssessmentSettings(basicallySatisfiedWeight: 0.5))
        #expect(half.satisfactionRate == 2.5 / 3 && half.score == 67.5)
    }

    @Test func competitionRankingWithTiesAndUnranked() {
        func row(_ code: String, _ score: Double?) -> UnitAssessment {
            var a = UnitAssessment(unitId: code, unitCode: code, unitName: code, level: "district", counts: UnitCounts(), settings: AssessmentSettings())
            a.score = score
            return a
        }
        let ranked = UnitAssessment.ranked([row("C", 90), row("A", 95), row("D", nil), row("B", 90), row("E", 80)])
        #expect(ranked.map(\.unitCode) == ["A", "B", "C", "E", "D"])
        #expect(ranked.map(\.rank) == [1, 2, 2, 4, nil])
    }

    @Test func countsRollUpToTheNearestUnitOfTheLevel() {
        // city 1 → district 2 → street 3 → office 4; district 5 with no work.
        let paths: [Int64: [Int64]] = [1: [1], 2: [1, 2], 3: [1, 2, 3], 4: [1, 2, 3, 4], 5: [1, 5]]
        let levels: [Int64: String] = [1: "city", 2: "district", 3: "street", 4: "office", 5: "district"]
        var a = UnitCounts(); a.dispatched = 2
        var b = UnitCounts(); b.dispatched = 3; b.reached = 1
        var c = UnitCounts(); c.dispatched = 7
        let counts: [Int64: UnitCounts] = [3: a, 4: b, 1: c]
        let districts = UnitCounts.rollUp(counts, paths: paths, levels: levels, to: "district")
        #expect(districts[2]?.dispatched == 5 && districts[2]?.reached == 1)
        #expect(districts[5]?.dispatched == 0)
        #expect(districts.count == 2)  // the city's own work has no district
        #expect(UnitCounts.rollUp(counts, paths: paths, levels: levels, to: "street")[3]?.dispatched == 5)
        #expect(UnitCounts.rollUp(counts, paths: paths, levels: levels, to: "city")[1]?.dispatched == 12)
    }
}

@Suite struct LifecycleTests {
    @Test func everyVerbsStatesAndTargets() {
        #expect(Lifecycle.allowedVerbs(from: .registered).map(\.rawValue).sorted() == ["answer", "dispatch", "merge", "reject", "terminate", "transfer"])
        #expect(Lifecycle.allowedVerbs(from: .closed).isEmpty && Lifecycle.allowedVerbs(from: .terminated).isEmpty)
        // A reopened ticket is signed for again before anything else.
        #expect(Lifecycle.allowed(.accept, from: .reopened) && !Lifecycle.allowed(.reply, from: .reopened) && !Lifecycle.allowed(.reply, from: .dispatched))
        #expect(Lifecycle.allowed(.resume, from: .suspended) && !Lifecycle.allowed(.reply, from: .suspended))
        for s in TicketStatus.allCases where !s.isOpen { #expect(!Lifecycle.allowed(.terminate, from: s)) }
    }

    @Test func routingMostSpecificWins() {
        func rule(_ id: String, _ cat: String, region: String? = nil, nature: String? = nil, hotline: String? = nil) -> RoutingRule {
            RoutingRule(id: id, ruleId: id, version: 1, categoryCode: cat, regionCode: region, nature: nature, hotlineNumber: hotline,
                        leadUnitId: "u" + id, coUnitIds: [], slaPolicy: "standard", active: true)
        }
        let ctx = RoutingChoice.Context(categoryChain: ["市政设施/路灯", "市政设施"], regionChain: ["330106002", "330106", "330100"],
                                        nature: "complaint", hotlineNumber: "12319")
        #expect(RoutingChoice.best([rule("1", "市政设施"), rule("2", "市政设施/路灯")], for: ctx)?.id == "2")
        #expect(RoutingChoice.best([rule("2", "市政设施/路灯"), rule("3", "市政设施", region: "330106")], for: ctx)?.id == "3")
        #expect(RoutingChoice.best([rule("3", "市政设施", region: "330106"), rule("4", "市政设施", region: "330106002")], for: ctx)?.id == "4")
        #expect(RoutingChoice.best([rule("4", "市政设施", region: "330106002"), rule("5", "市政设施", region: "330106", hotline: "12319")], for: ctx)?.id == "5")
        #expect(RoutingChoice.best([rule("6", "市政设施", nature: "consult"), rule("7", "环境保护")], for: ctx) == nil)
        #expect(RoutingChoice.best([rule("8", "市政设施", region: "330102")], for: ctx) == nil)
    }
}
