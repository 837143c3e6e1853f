import ArgumentParser
import Foundation
import HTTPTypes
import HotlineAPI
import Hummingbird
import Logging

/// `hotline webhook-listen --port 9000 --secret whsec_…`: a receiver for trying webhooks out.
/// Prints each delivery whose signature verifies (and refuses, 401, those that do not).
struct WebhookListen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "webhook-listen",
                                                    abstract: "Receive webhook deliveries on a port and print the verified ones.")

    @Option(help: "Port to listen on (127.0.0.1).") var port = 9000
    @Option(help: "The subscription's secret (as shown once by POST /v1/webhooks); or HOTLINE_WEBHOOK_SECRET.") var secret: String?
    @Option(help: "Answer this status instead of 200 (to watch retries).") var status = 200

    func run() async throws {
        guard let secret = secret ?? ProcessInfo.processInfo.environment["HOTLINE_WEBHOOK_SECRET"] else {
            throw ValidationError("give --secret or HOTLINE_WEBHOOK_SECRET")
        }
        let answer = HTTPResponse.Status(code: status)
        let router = Router()
        router.post("**") { request, context -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let data = Data(buffer: body)
            let ts = request.headers[HTTPField.Name("Hotline-Timestamp")!] ?? ""
            let sig = request.headers[HTTPField.Name("Hotline-Signature")!] ?? ""
            guard WebhookSignature.verify(secret: secret, timestamp: ts, body: data, header: sig) else {
                print("REFUSED bad signature for event \(request.headers[HTTPField.Name("Hotline-Event-Id")!] ?? "?")")
                return Response(status: .unauthorized)
            }
            let kind = request.headers[HTTPField.Name("Hotline-Event-Kind")!] ?? "?"
            let id = request.headers[HTTPField.Name("Hotline-Event-Id")!] ?? "?"
            FileHandle.standardOutput.write(Data("verified event \(id) \(kind) \(String(decoding: data, as: UTF8.self))\n".utf8))
            return Response(status: answer)
        }
        var logger = Logger(label: "webhook-listen")
        logger.logLevel = .warning
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        print("listening on http://127.0.0.1:\(port)/ — subscribe with this URL")
        try await app.runService()
    }
}
