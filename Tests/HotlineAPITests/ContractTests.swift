import Foundation
import HotlineAPI
import HotlineTestSupport
import Testing

/// The handlers are written by hand, so this holds every route against the OpenAPI document.
@Suite struct ContractTests {
    static func documentedOperations(_ yaml: String) -> Set<String> {
        var ops = Set<String>()
        var inPaths = false
        var current: String? = nil
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("paths:") { inPaths = true; continue }
            if inPaths, let first = line.first, !first.isWhitespace { inPaths = false }
            guard inPaths else { continue }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let indent = line.prefix { $0 == " " }.count
            if indent == 2, trimmed.hasPrefix("/"), trimmed.hasSuffix(":") {
                current = String(trimmed.dropLast())
            } else if indent == 4, let current,
                      let verb = ["get", "post", "put", "delete", "patch"].first(where: { trimmed == "\($0):" }) {
                ops.insert("\(verb.uppercased()) \(current)")
            }
        }
        return ops
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedRouteExists() async throws {
        try await TestApp.with { app in
            let served = try await app.request(.get, "/openapi.yaml")
            #expect(served.status == .ok)
            #expect(served.body == OpenAPIDocument.yaml)
            let documented = Self.documentedOperations(served.body)
            let routes = Set(allEndpoints(app.services).map { "\($0.method.rawValue) \($0.path)" } + workbenchRoutes(app.services))
            #expect(routes.count > 20)
            #expect(routes.subtracting(documented).sorted() == [], "routes missing from openapi.yaml")
            #expect(documented.subtracting(routes).sorted() == [], "documented operations with no route")
        }
    }

    @Test func serviceEndpoints() async throws {
        try await TestApp.with { app in
            #expect(try await app.request(.get, "/healthz").status == .ok)
            let ready = try await app.request(.get, "/readyz")
            #expect(ready.status == .ok && ready.json["status"] as? String == "ready")
            #expect(try await app.request(.get, "/metrics").status == .ok)
            let missing = try await app.request(.get, "/v1/nothing-here")
            #expect(missing.status == .notFound && missing.headers[.contentType]?.hasPrefix("application/problem+json") == true)
            // Not ready when a migration is missing.
            try await app.services.db.client.query("DELETE FROM schema_migrations WHERE version = '0003'", logger: app.services.db.logger)
            #expect(try await app.request(.get, "/readyz").status == .serviceUnavailable)
        }
    }
}
