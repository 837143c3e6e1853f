import Foundation

/// 月度考核: the metric definitions of DOMAIN.md, written once. The store counts; this computes.
public enum Satisfaction: String, Sendable, CaseIterable, Codable {
    case satisfied
    case basicallySatisfied = "basically_satisfied"
    case unsatisfied
}

public enum CallbackVerdict: String, Sendable, CaseIterable, Codable {
    case reopen
    case closeUnreasonable = "close_unreasonable"
}

/// Weights and policy of the assessment (configuration, editable through the API).
public struct AssessmentSettings: Sendable, Equatable, Codable {
    public var responseWeight: Double
    public var resolutionWeight: Double
    public var satisfactionWeight: Double
    /// How much a "basically satisfied" counts towards satisfaction (1 = as satisfied).
    public var basicallySatisfiedWeight: Double
    /// Share of directly answered tickets sampled for a callback, 0–100.
    public var answerSamplePercent: Int
    /// What a rate without data does to the score.
    public var missingRate: MissingRate
    /// Whether the knowledge base's responsible unit may dispatch by itself (else it only suggests).
    public var kbRouting: Bool

    public enum MissingRate: String, Sendable, CaseIterable, Codable {
        case renormalize   // the weights of the rates that exist are scaled to sum to 1
        case zero          // a missing rate counts as 0
    }

    public init(responseWeight: Double = 0.30, resolutionWeight: Double = 0.35, satisfactionWeight: Double = 0.35,
                basicallySatisfiedWeight: Double = 1.0, answerSamplePercent: Int = 10, missingRate: MissingRate = .renormalize,
                kbRouting: Bool = false) {
        self.responseWeight = responseWeight; self.resolutionWeight = resolutionWeight
        self.satisfactionWeight = satisfactionWeight; self.basicallySatisfiedWeight = basicallySatisfiedWeight
        self.answerSamplePercent = answerSamplePercent; self.missingRate = missingRate; self.kbRouting = kbRouting
    }
}

/// What the store counts for one unit over one month's cohort.
public struct UnitCounts: Sendable, Equatable, Codable {
    public var dispatched = 0          // all lead assignments of the cohort (terminated tickets excluded)
    public var returned = 0            // approved returns (excluded from received)
    public var respondedInTime = 0
    public var due = 0                 // replied, or close deadline already passed
    public var closedInTime = 0
    public var overdue = 0
    public var extended = 0
    public var reopened = 0
    public var reached = 0             // counted callbacks (the last after the last reply; unreasonable excluded)
    public var resolved = 0
    public var satisfied = 0
    public var basicallySatisfied = 0
    public var unsatisfied = 0
    public var coDispatched = 0        // co-unit (协办) assignments of the cohort
    public var coDue = 0               // co-replied, or co-reply deadline already passed
    public var coRepliedInTime = 0
    public init() {}

    public var received: Int { dispatched - returned }

    /// Counts add up the unit tree (a district's figures are its units' sums).
    public static func += (a: inout UnitCounts, b: UnitCounts) {
        a.dispatched += b.dispatched; a.returned += b.returned; a.respondedInTime += b.respondedInTime; a.due += b.due
        a.closedInTime += b.closedInTime; a.overdue += b.overdue; a.extended += b.extended; a.reopened += b.reopened
        a.reached += b.reached; a.resolved += b.resolved; a.satisfied += b.satisfied
        a.basicallySatisfied += b.basicallySatisfied; a.unsatisfied += b.unsatisfied
        a.coDispatched += b.coDispatched; a.coDue += b.coDue; a.coRepliedInTime += b.coRepliedInTime
    }

    /// Rolls per-unit counts up to the units of one level: each unit's counts go to the nearest
    /// unit of that level at or above it (`paths` are root-to-unit id lists). Units of the level
    /// without any counts are present with zeros.
    public static func rollUp(_ counts: [Int64: UnitCounts], paths: [Int64: [Int64]], levels: [Int64: String], to level: String) -> [Int64: UnitCounts] {
        var out: [Int64: UnitCounts] = [:]
        for (id, l) in levels where l == level { out[id] = UnitCounts() }
        for (unit, c) in counts {
            guard let path = paths[unit], let target = path.last(where: { levels[$0] == level }) else { continue }
            out[target, default: UnitCounts()] += c
        }
        return out
    }
}

/// One row of the monthly assessment.
public struct UnitAssessment: Sendable, Equatable, Codable {
    public var unitId: String
    public var unitCode: String
    public var unitName: String
    public var level: String
    public var counts: UnitCounts
    public var received: Int
    public var responseRate: Double?
    public var onTimeCloseRate: Double?
    public var resolutionRate: Double?
    public var satisfactionRate: Double?
    public var returnRate: Double?
    public var reopenRate: Double?
    public var score: Double?
    /// The rates the score was computed from, with the weights used (after `missing_rate`).
    public var scoreBasis: [ScoreTerm]
    public var rank: Int?
    public var coReceived: Int
    public var coReplyOnTimeRate: Double?

    public struct ScoreTerm: Sendable, Equatable, Codable {
        public var rate: String
        public var value: Double
        public var weight: Double
    }

    public init(unitId: String, unitCode: String, unitName: String, level: String, counts: UnitCounts, settings: AssessmentSettings) {
        self.unitId = unitId; self.unitCode = unitCode; self.unitName = unitName; self.level = level; self.counts = counts
        received = counts.received
        func ratio(_ a: Int, _ b: Int) -> Double? { b > 0 ? Double(a) / Double(b) : nil }
        responseRate = ratio(counts.respondedInTime, counts.received)
        onTimeCloseRate = ratio(counts.closedInTime, counts.due)
        resolutionRate = ratio(counts.resolved, counts.reached)
        satisfactionRate = counts.reached > 0
            ? (Double(counts.satisfied) + settings.basicallySatisfiedWeight * Double(counts.basicallySatisfied)) / Double(counts.reached)
            : nil
        returnRate = ratio(counts.returned, counts.dispatched)
        reopenRate = ratio(counts.reopened, counts.received)
        (score, scoreBasis) = Self.score(response: responseRate, resolution: resolutionRate, satisfaction: satisfactionRate, settings: settings)
        rank = nil
        coReceived = counts.coDispatched
        coReplyOnTimeRate = ratio(counts.coRepliedInTime, counts.coDue)
    }

    /// 100 × Σ weight·rate. `renormalize`: the weights of the rates that exist are scaled to sum
    /// to 1 (no rates at all: no score); `zero`: a missing rate counts as 0 with its weight
    /// (no data at all: still no score). Answers the terms used, so the row can be checked by hand.
    public static func score(response: Double?, resolution: Double?, satisfaction: Double?, settings s: AssessmentSettings) -> (Double?, [ScoreTerm]) {
        let all = [("response_rate", response, s.responseWeight), ("resolution_rate", resolution, s.resolutionWeight),
                   ("satisfaction_rate", satisfaction, s.satisfactionWeight)]
        guard all.contains(where: { $0.1 != nil }) else { return (nil, []) }
        let used = s.missingRate == .zero ? all.map { ($0.0, $0.1 ?? 0, $0.2) } : all.compactMap { n, v, w in v.map { (n, $0, w) } }
        let total = used.reduce(0) { $0 + $1.2 }
        guard total > 0 else { return (nil, []) }
        let scale = abs(total - 1) < 1e-9 ? 1 : total   // weights that already sum to 1 stay as written
        let terms = used.map { ScoreTerm(rate: $0.0, value: $0.1, weight: $0.2 / scale) }
        let value = 100 * terms.reduce(0) { $0 + $1.value * $1.weight }
        return ((value * 100).rounded() / 100, terms)
    }

    /// Standard competition ranking (1, 2, 2, 4) by score; units without a score are unranked.
    public static func ranked(_ rows: [UnitAssessment]) -> [UnitAssessment] {
        var out = rows.sorted {
            switch ($0.score, $1.score) {
            case let (a?, b?): return a != b ? a > b : $0.unitCode < $1.unitCode
            case (_?, nil): return true
            case (nil, _?): return false
            default: return $0.unitCode < $1.unitCode
            }
        }
        for i in out.indices {
            guard let s = out[i].score else { continue }
            out[i].rank = (i > 0 && out[i - 1].score == s) ? out[i - 1].rank : i + 1
        }
        return out
    }
}
