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
                    throw APIError(.serviceUnavailable, "Not ready", "database unreachable or not migrated")
                }
                return try json(["status": "ready"])
            },
            Endpoint(.get, "/metrics", .open) { _, _ in
                let text = s.metrics?.emitToBuffer() ?? []
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

public enum OpenAPIDocument {
    /// The contract, shipped inside the binary's resource bundle.
    public static let yaml: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
              let text = try? String(contentsOf: url, encoding: .utf8)
        else { return "openapi: 3.1.0\ninfo: {title: hotline, version: missing}\npaths: {}\n" }
        return text
    }()
}
