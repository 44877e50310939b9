import HTTPTypes
import Hummingbird

/// Cross-origin requests: with `*` any origin may call (`Access-Control-Allow-Origin: *`); with a list, a request
/// whose `Origin` is one of them gets that origin echoed, others get no allow header, and every answer says
/// `Vary: Origin` so a cache never hands one origin's answer to another. Preflights (`OPTIONS` with `Origin`) are
/// answered here with 204.
struct CORSPolicy<Context: RequestContext>: RouterMiddleware {
    let anyOrigin: Bool
    let origins: Set<String>
    let allowHeaders: String
    let allowMethods: String

    init(origins: [String], allowHeaders: [HTTPField.Name], allowMethods: [HTTPRequest.Method]) {
        anyOrigin = origins.isEmpty || origins.contains("*")
        self.origins = Set(origins.map { $0.lowercased() })
        self.allowHeaders = allowHeaders.map(\.canonicalName).joined(separator: ", ")
        self.allowMethods = allowMethods.map(\.rawValue).joined(separator: ", ")
    }

    /// The `Access-Control-Allow-Origin` value for a request from `origin`, or nil.
    func allowedOrigin(_ origin: String) -> String? {
        if anyOrigin { return "*" }
        guard origin != "null", origins.contains(origin.lowercased()) else { return nil }
        return origin
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let origin = request.headers[.origin] else {
            var response = try await next(request, context)
            if !anyOrigin { response.headers[.vary] = "Origin" }
            return response
        }
        let allowed = allowedOrigin(origin)
        if request.method == .options {
            var headers: HTTPFields = [.accessControlAllowHeaders: allowHeaders, .accessControlAllowMethods: allowMethods]
            if let allowed { headers[.accessControlAllowOrigin] = allowed }
            if !anyOrigin { headers[.vary] = "Origin" }
            return Response(status: .noContent, headers: headers)
        }
        var response = try await next(request, context)
        if let allowed { response.headers[.accessControlAllowOrigin] = allowed }
        if !anyOrigin { response.headers[.vary] = "Origin" }
        return response
    }
}
