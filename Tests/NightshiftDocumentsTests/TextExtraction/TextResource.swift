import Foundation
import Testing

/// Files under `Resources/text/`, made by `Resources/text/tools/*.py`.
enum TextResource {
    static func url(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Resources/text"))
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: url(name)))
    }
}
