import Foundation
import HotlineCore
import HotlineStore
import Hummingbird

/// CSV imports. Reference data is the admin's; a legacy hotline's ticket backlog may also be
/// brought in by a dispatcher.
struct ImportRoutes {
    let s: Services
    init(_ s: Services) { self.s = s }

    var endpoints: [Endpoint] {
        [
            Endpoint(.post, "/v1/imports/tickets", .roles([.admin, .dispatcher])) { req, ctx in
                try await run(.tickets, &req, ctx)
            },
            Endpoint(.post, "/v1/imports/{kind}", .admin) { req, ctx in
                let raw = ctx.parameters.get("kind") ?? ""
                guard let kind = CSVImporter.Kind(rawValue: raw), kind != .tickets else {
                    throw APIError.notFound("import kind '\(raw.prefix(30))' (available: hotlines, units, categories, regions, tickets)")
                }
                return try await run(kind, &req, ctx)
            },
        ]
    }

    func run(_ kind: CSVImporter.Kind, _ req: inout Request, _ ctx: AppContext) async throws -> Response {
        if let type = req.headers[.contentType], !type.lowercased().hasPrefix("text/csv") {
            throw APIError(.unsupportedMediaType, "Unsupported media type", "send the file as text/csv")
        }
        let text = try await req.csvBody(context: ctx)
        let report = try await s.importer.run(kind, csv: text, actor: try ctx.requirePrincipal)
        for (hotline, n) in report.createdPerHotline {
            s.intakeCounter.created(hotline: hotline, source: "import", count: n)
        }
        ctx.logger.info("import finished", metadata: ["kind": "\(kind.rawValue)", "accepted": "\(report.accepted)", "rejected": "\(report.rejected.count)"])
        return try json(report)
    }
}
