import ArgumentParser

/// Benchmark and measurement tools, kept out of the production binary (they COPY millions of
/// rows, set indexes aside and rebuild them): `hotline-bench gen kb|tickets`, `hotline-bench relevance`, `hotline-bench kb-index`, `hotline-bench intake-sql`.
@main
struct HotlineBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hotline-bench",
        abstract: "Data generators and measurements for the 12345 dispatcher (not for production databases).",
        subcommands: [Generate.self, Relevance.self, IndexBuild.self, IntakeSQLScript.self, BareIntake.self])
}
