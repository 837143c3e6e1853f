import Foundation
import HotlineStore
import Hummingbird
import NIOCore

/// /healthz, /readyz, /metrics, /openapi.yaml — no token needed.
struct ServiceRoutes {
    let s: Services
    init(_ s: Services) { self.s = s }

    var endpoints: [Endpoint] {
        [
            Endpoint(.get, "/healthz", .open) { _, _ in try json(["status": "ok"]) },
            Endpoint(.get, "/readyz", .open) { _, _ in
                let ready = (try? await s.migrator.isUpToDate(s.db)) ?? false
                guard ready else {
                    throw APIError(.serviceUnavailable, "Not ready", "database unreachable or not migrated", extra: ["retry_after": "5"])
                }
                return try json(Readiness(status: "ready", warnings: try await calendarWarnings()))
            },
            Endpoint(.get, "/metrics", .open) { _, _ in
                var text = s.metrics?.emitToBuffer() ?? []
                text += Array(((try? await calendarGauge()) ?? "").utf8)
                return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(bytes: text)))
            },
            Endpoint(.get, "/openapi.yaml", .open) { _, _ in
                Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                         body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
            },
        ]
    }
}

struct Readiness: Encodable {
    var status: String
    var warnings: [String]
}

extension ServiceRoutes {
    /// This year and the next, and whether each year's holiday notice is loaded.
    func publishedYears() async throws -> [(Int, Bool)] {
        let year = s.zone.localDay(of: s.clock.now()).year
        let published = try await s.db.config.current(s.db, zone: s.zone).published
        return [year, year + 1].map { ($0, published[$0] ?? false) }
    }

    /// Each December, while next year is unpublished, readiness says so (ready all the same).
    func calendarWarnings() async throws -> [String] {
        try await publishedYears().compactMap { year, published in
            CalendarRoutes.warning(year: year, published: published, now: s.clock.now(), zone: s.zone)
        }
    }

    /// `hotline_calendar_published{year="…"}` for this year and the next.
    func calendarGauge() async throws -> String {
        var out = "# HELP hotline_calendar_published Whether the year's holiday notice is loaded (1) or the year is provisional (0).\n"
        out += "# TYPE hotline_calendar_published gauge\n"
        for (year, published) in try await publishedYears() { out += "hotline_calendar_published{year=\"\(year)\"} \(published ? 1 : 0)\n" }
        return out
    }
}

public enum OpenAPIDocument {
    /// The contract, shipped inside the binary's resource bundle.
    public static let yaml: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
              let text = try? String(contentsOf: url, encoding: .utf8)
        else { return "openapi: 3.1.0\ninfo: {title: hotline, version: missing}\npaths: {}\n" }
        return text
    }()
}
