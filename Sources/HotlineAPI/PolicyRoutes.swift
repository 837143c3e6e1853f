import Foundation
import HotlineCore
import HotlineStore
import Hummingbird

/// SLA policies: clock lengths as data (admin edits, everyone reads).
struct PolicyRoutes {
    let s: Services
    init(_ s: Services) { self.s = s }

    struct LengthBody: Decodable {
        var amount: Int?
        var unit: String?
    }

    struct PolicyBody: Decodable {
        var name: String?
        var response: LengthBody?
        var close: LengthBody?
        var callback: LengthBody?
        var coReply: LengthBody?
        var suspensionLimit: LengthBody?
        var suspensionReasons: [String]?
        var maxExtensionDays: Int?
        var supervisionAfterDays: Int?
        var referralAfterDays: Int?
        var callbackAttempts: Int?
    }

    var endpoints: [Endpoint] {
        [
            Endpoint(.get, "/v1/sla-policies", .anyUser) { req, _ in
                let q = try req.query(allowed: pageParameters)
                return try json(Page.slice(try await s.policies.all(), q) { $0.code })
            },
            Endpoint(.get, "/v1/sla-policies/{code}", .anyUser) { _, ctx in
                let code = ctx.parameters.get("code") ?? ""
                guard let p = try await s.policies.get(code) else { throw APIError.notFound("SLA policy \(code.prefix(40))") }
                return try json(p)
            },
            Endpoint(.put, "/v1/sla-policies/{code}", .admin) { req, ctx in
                let code = ctx.parameters.get("code") ?? ""
                let b = try await req.jsonBody(PolicyBody.self, context: ctx)
                var c = FieldChecker()
                if code.count > 40 || !code.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) || !(code.first?.isLetter ?? false) {
                    c.add("code", "must be lower-case letters, digits and _ (e.g. standard)")
                }
                let name = c.requiredText("name", b.name, maxLength: 100)
                let reasons = b.suspensionReasons ?? ["awaiting_ruling", "caller_unavailable", "seasonal_work", "third_party"]
                if reasons.isEmpty || reasons.count > 50 { c.add("suspension_reasons", "must list 1 to 50 reasons") }
                for (i, r) in reasons.enumerated() where r.isEmpty || r.count > 40 || !r.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) {
                    c.add("suspension_reasons[\(i)]", "must be a code of lower-case letters, digits and _ (at most 40)")
                }
                func length(_ field: String, _ l: LengthBody?, default def: ClockLength? = nil) -> ClockLength {
                    guard let l else {
                        if let def { return def }
                        c.add(field, "is required: {amount, unit}"); return ClockLength(1, .workingDays)
                    }
                    let unit: DurationUnit? = c.enumValue("\(field).unit", l.unit, required: true)
                    guard let amount = l.amount, (1...10_000).contains(amount) else {
                        c.add("\(field).amount", "must be an integer from 1 to 10000"); return ClockLength(1, .workingDays)
                    }
                    return ClockLength(amount, unit ?? .workingDays)
                }
                func count(_ field: String, _ v: Int?, _ def: Int, _ range: ClosedRange<Int>) -> Int {
                    guard let v else { return def }
                    if !range.contains(v) { c.add(field, "must be from \(range.lowerBound) to \(range.upperBound)") }
                    return v
                }
                let policy = SLAPolicy(
                    code: code, name: name ?? "", response: length("response", b.response), close: length("close", b.close),
                    callback: length("callback", b.callback),
                    coReply: length("co_reply", b.coReply, default: ClockLength(3, .workingDays)),
                    maxExtensionDays: count("max_extension_days", b.maxExtensionDays, 10, 0...365),
                    suspensionLimit: length("suspension_limit", b.suspensionLimit, default: ClockLength(20, .workingDays)),
                    suspensionReasons: reasons,
                    supervisionAfterDays: count("supervision_after_days", b.supervisionAfterDays, 3, 1...365),
                    referralAfterDays: count("referral_after_days", b.referralAfterDays, 5, 1...365),
                    callbackAttempts: count("callback_attempts", b.callbackAttempts, 3, 1...20), version: 0)
                try c.throwIfAny()
                return try json(try await s.policies.put(policy))
            },
        ]
    }
}
