/// The routing catalogue's choice (派单目录): among the rules whose conditions a ticket meets,
/// the most specific wins; then the hotline's default unit; then the region's government.
public struct RoutingRule: Sendable, Equatable, Codable {
    public var id: String          // the row (this version)
    public var ruleId: String      // stable across versions
    public var version: Int
    public var categoryCode: String
    public var regionCode: String?
    public var nature: String?
    public var hotlineNumber: String?
    public var leadUnitId: String
    public var coUnitIds: [String]
    public var slaPolicy: String
    public var active: Bool

    public init(id: String, ruleId: String, version: Int, categoryCode: String, regionCode: String?, nature: String?,
                hotlineNumber: String?, leadUnitId: String, coUnitIds: [String], slaPolicy: String, active: Bool) {
        self.id = id; self.ruleId = ruleId; self.version = version; self.categoryCode = categoryCode
        self.regionCode = regionCode; self.nature = nature; self.hotlineNumber = hotlineNumber
        self.leadUnitId = leadUnitId; self.coUnitIds = coUnitIds; self.slaPolicy = slaPolicy; self.active = active
    }
}

public enum RoutingChoice {
    /// What is known about the ticket: its category and region with their ancestors, nearest first.
    public struct Context: Sendable {
        public var categoryChain: [String]
        public var regionChain: [String]
        public var nature: String
        public var hotlineNumber: String
        public init(categoryChain: [String], regionChain: [String], nature: String, hotlineNumber: String) {
            self.categoryChain = categoryChain; self.regionChain = regionChain
            self.nature = nature; self.hotlineNumber = hotlineNumber
        }
    }

    /// Specificity, compared in order: how many optional conditions (region, nature, hotline) the
    /// rule sets and the ticket meets; then the nearer category (exact beats a parent); then the
    /// nearer region. Ties go to the most recently created rule.
    public static func best(_ rules: [RoutingRule], for c: Context) -> RoutingRule? {
        var best: (rule: RoutingRule, key: [Int])? = nil
        for r in rules where r.active {
            guard let catDistance = c.categoryChain.firstIndex(of: r.categoryCode) else { continue }
            var regionDistance = c.regionChain.count + 1
            if let region = r.regionCode {
                guard let d = c.regionChain.firstIndex(of: region) else { continue }
                regionDistance = d
            }
            if let n = r.nature, n != c.nature { continue }
            if let h = r.hotlineNumber, h != c.hotlineNumber { continue }
            let conditions = (r.regionCode != nil ? 1 : 0) + (r.nature != nil ? 1 : 0) + (r.hotlineNumber != nil ? 1 : 0)
            let key = [conditions, -catDistance, -regionDistance, Int(r.id) ?? 0]
            if best == nil || key.lexicographicallyPrecedes(best!.key) == false && key != best!.key {
                best = (r, key)
            }
        }
        return best?.rule
    }
}

/// Where a dispatch goes, and why.
public struct Route: Sendable, Equatable {
    public var lead: Int64
    public var co: [Int64]
    public var policy: String
    public var via: String            // manual, rule, kb_entry, hotline_default, region_government
    public var rule: RouteCandidates.Rule?
    public var kbEntry: Int64?
}

public enum Routing {
    /// Explicit units; else the catalogue's most specific rule; else the knowledge base's
    /// responsible unit, only where `kb_routing` is on; else the hotline's default unit; else the
    /// government of the ticket's region (属地兜底); nil means manual triage.
    public static func choose(explicitLead: Int64?, co: [Int64], sla: String?, ticketPolicy: String?,
                              candidates c: RouteCandidates, kbRouting: Bool) -> Route? {
        let fallback = sla ?? ticketPolicy ?? "standard"
        if let explicitLead { return Route(lead: explicitLead, co: co, policy: fallback, via: "manual") }
        if let rule = c.rule {
            return Route(lead: rule.lead, co: rule.co, policy: sla ?? ticketPolicy ?? rule.policy, via: "rule", rule: rule)
        }
        if kbRouting, let kb = c.kbSuggestion {
            return Route(lead: kb.unit, co: [], policy: fallback, via: "kb_entry", kbEntry: kb.entry)
        }
        if let unit = c.hotlineDefault { return Route(lead: unit, co: [], policy: fallback, via: "hotline_default") }
        if let unit = c.regionGovernment { return Route(lead: unit, co: [], policy: fallback, via: "region_government") }
        return nil
    }
}
