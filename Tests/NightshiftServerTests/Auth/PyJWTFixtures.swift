// Generated with PyJWT 2.15.1 by the script in PyJWTScript.swift (see there); do not edit by hand.
// Test keys only: they protect nothing.

/// Tokens made by PyJWT, with the secret and keys that made them.
enum PyJWTFixtures {
    static let pyjwtVersion = "2.15.1"
    static let secret = "pyjwt-fixture-secret-0123456789-abcdefghijklmnop"
    static let otherSecret = "another-secret-that-is-not-the-project-secret-42"
    static let user = "5b0c6a0e-7d4f-4c1e-9a53-2f1c3b8d9e01"
    static let issuer = "https://nightshift-test.supabase.co/auth/v1"
    static let jwks = [
        "{\"keys\": [{\"alg\": \"RS256\", \"e\": \"AQAB\", \"key_ops\": [\"verify\"], \"kid\": \"rsa-1\", ",
        "\"kty\": \"RSA\", \"n\": \"5RgvTkyQjgTHH-dZo3pts7F23-n0TzB0WQOhkBkLWMPhHxFiZ3IrwJ_pagAMSMlTzG6UtMp",
        "ytrnijkqu_LJKcneuO3-IstKpkYYg2MqRQI9-SBsKiAQ-5Cg-J2nmhfkS_jyJSvcirGVqyv2dBMgi5-AvI6c95CgSjISDqeQTQ",
        "u95DgcacDG96jTIxGPYkZ0JIIkeUMa6L5hQLX40rWcAPxJuj_OKwvLQq8sz7EjT45jv5D0_-zDmmiC5h7-Lsx4MIHlQx47NKG4",
        "IfkKjZQ8qCa773qZw3vSjvlYchHdmQKv2Ms8DYwhpSi1s8zb7_WKsjpxpF4AZCJp38hpbn8XSYQ\", \"use\": \"sig\"}, ",
        "{\"alg\": \"ES256\", \"crv\": \"P-256\", \"kid\": \"ec-1\", \"kty\": \"EC\", \"use\": \"sig\", \"x",
        "\": \"-zkZLdFycgHR4DUhjvLEfw2uKX7CLkEYEFWswv-GMR4\", \"y\": \"jWvFHBsqmqy_luMP3uSIbx-7RDkFs6-KkjJi",
        "i65LbjU\"}, {\"alg\": \"HS256\", \"k\": \"c2VjcmV0\", \"kid\": \"hmac-1\", \"kty\": \"oct\"}, {\"a",
        "lg\": \"RS256\", \"e\": \"AQAB\", \"key_ops\": [\"verify\"], \"kid\": \"enc-1\", \"kty\": \"RSA\",",
        " \"n\": \"sMRaDMaCQkhEX9vXD-UzaOMDX71Mop5Ts1e3kyDhHDBWGpOrke_pMBD1asrbAhgPOnKnqo7OpN0-uCvN5SPLl9ES",
        "XveMq1EO8Y3H0mZ3JWBZQkenEbq_BjzH_pY5Ronzkmkq1flOdrJtXJO3NSBNjb28tlSCBbjizpdbzPJwPYbunyWKOyxbCY1q7f",
        "v2zQY7nLpzFNzQOYwqlsbimmS2XC3MGuoKKE5YA13kzEyopFdhsWX9WhCB_eMlKN0Hs6tfaGwzcoEfv19Np7mI_Bwfk0BsRIZ7",
        "Y7xSbzbyNJF44WJACan00m-TjeIJ6DpgbAuulbLOrhkqk4ESyZ-d0aULQQ\", \"use\": \"enc\"}]}",
    ].joined()
    /// When the tokens were issued (`iat`), seconds since 1970.
    static let issuedAt: Double = 1700000000
    /// `exp` of the long-lived tokens, seconds since 1970.
    static let farExpiry: Double = 4102444800
    static let rsaPrivateKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDlGC9OTJCOBMcf
        51mjem2zsXbf6fRPMHRZA6GQGQtYw+EfEWJncivAn+lqAAxIyVPMbpS0ynK2ueKO
        Sq78skpyd647f4iy0qmRhiDYypFAj35IGwqIBD7kKD4naeaF+RL+PIlK9yKsZWrK
        /Z0EyCLn4C8jpz3kKBKMhIOp5BNC73kOBxpwMb3qNMjEY9iRnQkgiR5QxrovmFAt
        fjStZwA/Em6P84rC8tCryzPsSNPjmO/kPT/7MOaaILmHv4uzHgwgeVDHjs0obgh+
        QqNlDyoJrvvepnDe9KO+VhyEd2ZAq/YyzwNjCGlKLWzzNvv9YqyOnGkXgBkImnfy
        GlufxdJhAgMBAAECggEAAucqgqBdf2aKg+owHyOoDswnme4v4yOAQUMBTySZbwA6
        GBp7Kof+YNrd5TLCNRdpAo40VUdQoBBiXAQmAWwnHZohjkiJzx30hF8Eh568gQq4
        cnng6VOSx5xwxNor5Rl12Zx4hGd14Y+eRHDQMS1HOknjgF0INPM4NfPgFme+Qeg7
        DIn3UNMIMsNvmFENUQkPN0XudSHzmPAx8U1x4ILkDDkbPzR/8CsLZ6cxGABFx9Rk
        5seSQE8bD+VrxyGP6urjdQ7Dqy7mqvBsn6urZZbt1EWOprWZFiWEOHPuNDelUHHb
        W+RCJ57kJSDCLJ1p9SD1gFLu4uq/962Ng2e3jawaGQKBgQD2mcVRXRJahZ3hDHDy
        aiKK3qq0WQUqHc1bC/AjN5HIiotyE2gE9NwC9lySAVUS18ByTQYvk6tdxCqJ82Gw
        tPukZteK/ClIVwnUH6BUgOxfb2eng/umF/G4c2g+N91nK+C42tHp5YNgF3T56AaQ
        6374chtFwT7prZMEuzEqGqXJeQKBgQDt05h9pz0g8rjH3Sbqfoy+m4cuaiZe/+nL
        gN5nyZ+qD8Be/wtUsCDtlClJegPJcMyqsp7S5C5mX7jdZf8gXwBx44NdVcXEx86P
        0U68MYZzJefXzDlWRK/bfaSyhM2e7S5Ask/uW5v/KSsbeL/nybEOkE2lAgfvWVPQ
        lHZNDcd+KQKBgFGO2+aj/Iz5whSLU9Oo7JG3QQfypTWfs6pYEWzkVQ/ZWnM5Hd79
        yMImDsmvLR7VQm3LMa+MjFGvrk3/s6CIyu09oi3yZgjp2HNSnmk0Vnjd1I9fpFvz
        cVuKt8BUI6KarXEV1fUglkmymFqKtZk6ebzbqE9ysUcBxCz9aC4/r/MpAoGAH+Tx
        nWBRRVrnxv30mxwPmfxXm7TmonTlkMIekYKro+3q2ZKQnXHlaJcnFlCDs38qI3ZC
        8HtjcZ1CuIZWOawj7iIZ2umG1UYKgKUMTxbBNi4OMpWT1urtPp1R+hLvVHHwcwK2
        z3t/py+JNWzzJ42X7iESGJ/2GnY7VEyktN61M0kCgYAJALLlmBX4eTtpdKX80sOe
        cTyG6RyTpbJ04wj2nHRxWEkJqq0H4mFmbcM0YMSKiY4j0PB4tgv2kHmF03ddbDYl
        JTrpFqbNLkGSO3FD6zt+ZBNLLfeOpx0QQ20/wEC0JXFSlnrNu/03n84Nq/q95hwo
        9JojkGYs+GFDrCJH+4eqXQ==
        -----END PRIVATE KEY-----
        """
    static let ecPrivateKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgGXOxWUI8T/LGyMCz
        XBE9bbTq5VND7MEYYIoHgD0z80yhRANCAAT7ORkt0XJyAdHgNSGO8sR/Da4pfsIu
        QRgQVazC/4YxHo1rxRwbKpqsv5bjD97kiG8fu0Q5BbOvipIyYouuS241
        -----END PRIVATE KEY-----
        """
    static let tokens: [String: String] = [
        "hs256Valid": [
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI1YjBjNmEwZS03ZDRmLTRjMWUtOWE1My0yZjFjM2I4ZDllMDEiL",
            "CJyb2xlIjoiYXV0aGVudGljYXRlZCIsImF1ZCI6ImF1dGhlbnRpY2F0ZWQiLCJlbWFpbCI6ImFkYUBleGFtcGxlLmNvbSIsIml",
            "hdCI6MTcwMDAwMDAwMCwiZXhwIjo0MTAyNDQ0ODAwLCJpc3MiOiJodHRwczovL25pZ2h0c2hpZnQtdGVzdC5zdXBhYmFzZS5jb",
            "y9hdXRoL3YxIiwic2Vzc2lvbl9pZCI6ImI0YzhjMGY1LTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwMSIsImFwcF9tZXRhZGF",
            "0YSI6eyJwcm92aWRlciI6ImVtYWlsIn19.POor2pGkqosfl1NITVMmP7S5a8OeZFGipTPJfQK-TrM",
        ].joined(),
        "rs256Valid": [
            "eyJhbGciOiJSUzI1NiIsImtpZCI6InJzYS0xIiwidHlwIjoiSldUIn0.eyJzdWIiOiI1YjBjNmEwZS03ZDRmLTRjMWUtOWE1My",
            "0yZjFjM2I4ZDllMDEiLCJyb2xlIjoiYXV0aGVudGljYXRlZCIsImF1ZCI6ImF1dGhlbnRpY2F0ZWQiLCJlbWFpbCI6ImFkYUBl",
            "eGFtcGxlLmNvbSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjo0MTAyNDQ0ODAwLCJpc3MiOiJodHRwczovL25pZ2h0c2hpZnQtdG",
            "VzdC5zdXBhYmFzZS5jby9hdXRoL3YxIiwic2Vzc2lvbl9pZCI6ImI0YzhjMGY1LTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAw",
            "MSIsImFwcF9tZXRhZGF0YSI6eyJwcm92aWRlciI6ImVtYWlsIn19.y_bC_UxWR0wofbk_W4LMwQo1cg0Vq4XpGuI3iqee1qV2h",
            "YTYNtu-WXr8p2430ad3Z0Con04wuFjogaOXiRu52_-efx9PyI-c5EUCTNdeA3L9in59qMJ_2nTYssP9pPVSdklLW3socMUD00C",
            "1CTA8GzRCBPDs3x7Qkd2vqccLmHRwikcnI7Cf99JUt9VhAt28Rau0pYPuZAyfx3ciaPhIwWf2bJ9R-P-2DXbetaK9po5lkGjlk",
            "4Cc-i4xrAgelojwLXkTsEKK0LGY0D_zmRxSod7d8VWCfeVvfi47m_CPZQo1P18Gpqqnma1IIkDSuyYO4tBTx3ocIChP5bjykkh",
            "2_A",
        ].joined(),
        "es256Valid": [
            "eyJhbGciOiJFUzI1NiIsImtpZCI6ImVjLTEiLCJ0eXAiOiJKV1QifQ.eyJzdWIiOiI1YjBjNmEwZS03ZDRmLTRjMWUtOWE1My0",
            "yZjFjM2I4ZDllMDEiLCJyb2xlIjoiYXV0aGVudGljYXRlZCIsImF1ZCI6ImF1dGhlbnRpY2F0ZWQiLCJlbWFpbCI6ImFkYUBle",
            "GFtcGxlLmNvbSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjo0MTAyNDQ0ODAwLCJpc3MiOiJodHRwczovL25pZ2h0c2hpZnQtdGV",
            "zdC5zdXBhYmFzZS5jby9hdXRoL3YxIiwic2Vzc2lvbl9pZCI6ImI0YzhjMGY1LTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwM",
            "SIsImFwcF9tZXRhZGF0YSI6eyJwcm92aWRlciI6ImVtYWlsIn19.PdyxP_OX1yjG_tR6ACvtadN-pEOSX4f7-WowEnG985tq1H",
            "rBalRvPyLDfp53RCAtZQxuhoFbtLDmBY4EvL9DqA",
        ].joined(),
        "hs256AudienceArray": [
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI1YjBjNmEwZS03ZDRmLTRjMWUtOWE1My0yZjFjM2I4ZDllMDEiL",
            "CJyb2xlIjoiYXV0aGVudGljYXRlZCIsImF1ZCI6WyJzdG9yYWdlIiwiYXV0aGVudGljYXRlZCJdLCJlbWFpbCI6ImFkYUBleGF",
            "tcGxlLmNvbSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjo0MTAyNDQ0ODAwLCJpc3MiOiJodHRwczovL25pZ2h0c2hpZnQtdGVzd",
            "C5zdXBhYmFzZS5jby9hdXRoL3YxIiwic2Vzc2lvbl9pZCI6ImI0YzhjMGY1LTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwMSI",
            "sImFwcF9tZXRhZGF0YSI6eyJwcm92aWRlciI6ImVtYWlsIn19.CYTiuhP4peo7yIUVUNMg-3foNYOrYizNDfREHqbk2gY",
        ].joined(),
        "hs256Expired": [
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI1YjBjNmEwZS03ZDRmLTRjMWUtOWE1My0yZjFjM2I4ZDllMDEiL",
            "CJyb2xlIjoiYXV0aGVudGljYXRlZCIsImF1ZCI6ImF1dGhlbnRpY2F0ZWQiLCJlbWFpbCI6ImFkYUBleGFtcGxlLmNvbSIsIml",
            "hdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAzNjAwLCJpc3MiOiJodHRwczovL25pZ2h0c2hpZnQtdGVzdC5zdXBhYmFzZS5jb",
            "y9hdXRoL3YxIiwic2Vzc2lvbl9pZCI6ImI0YzhjMGY1LTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwMSIsImFwcF9tZXRhZGF",
            "0YSI6eyJwcm92aWRlciI6ImVtYWlsIn19.wF4CWva3BSXi4SCyCZZ_64EuNXamp24GflDbqBQr7Nw",
        ].joined(),
        "es256NotYetValid": [
            "eyJhbGciOiJFUzI1NiIsImtpZCI6ImVjLTEiLCJ0eXAiOiJKV1QifQ.eyJzdWIiOiI1YjBjNmEwZS03ZDRmLTRjMWUtOWE1My0",
            "yZjFjM2I4ZDllMDEiLCJyb2xlIjoiYXV0aGVudGljYXRlZCIsImF1ZCI6ImF1dGhlbnRpY2F0ZWQiLCJlbWFpbCI6ImFkYUBle",
            "GFtcGxlLmNvbSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjo0MTAyNDQ0ODAwLCJpc3MiOiJodHRwczovL25pZ2h0c2hpZnQtdGV",
            "zdC5zdXBhYmFzZS5jby9hdXRoL3YxIiwic2Vzc2lvbl9pZCI6ImI0YzhjMGY1LTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwM",
            "SIsImFwcF9tZXRhZGF0YSI6eyJwcm92aWRlciI6ImVtYWlsIn0sIm5iZiI6NDEwMjQ0NDc0MH0.B5EPjwK_2bgZfUMm2y0YQzD",
            "y9Tutb5CwN1jwQu3Hdm11O_ipjZu4oNZhUaMmfa6a1JJhId2iM_mZoo6H5uEgKA",
        ].joined(),
        "hs256WrongAudience": [
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI1YjBjNmEwZS03ZDRmLTRjMWUtOWE1My0yZjFjM2I4ZDllMDEiL",
            "CJyb2xlIjoiYXV0aGVudGljYXRlZCIsImF1ZCI6InNvbWVvbmUtZWxzZSIsImVtYWlsIjoiYWRhQGV4YW1wbGUuY29tIiwiaWF",
            "0IjoxNzAwMDAwMDAwLCJleHAiOjQxMDI0NDQ4MDAsImlzcyI6Imh0dHBzOi8vbmlnaHRzaGlmdC10ZXN0LnN1cGFiYXNlLmNvL",
            "2F1dGgvdjEiLCJzZXNzaW9uX2lkIjoiYjRjOGMwZjUtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAxIiwiYXBwX21ldGFkYXR",
            "hIjp7InByb3ZpZGVyIjoiZW1haWwifX0.BwSxbQCM_a-17DPEut0XYkslQrb_tVwRaDiOOT05mqg",
        ].joined(),
        "hs256WrongSecret": [
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI1YjBjNmEwZS03ZDRmLTRjMWUtOWE1My0yZjFjM2I4ZDllMDEiL",
            "CJyb2xlIjoiYXV0aGVudGljYXRlZCIsImF1ZCI6ImF1dGhlbnRpY2F0ZWQiLCJlbWFpbCI6ImFkYUBleGFtcGxlLmNvbSIsIml",
            "hdCI6MTcwMDAwMDAwMCwiZXhwIjo0MTAyNDQ0ODAwLCJpc3MiOiJodHRwczovL25pZ2h0c2hpZnQtdGVzdC5zdXBhYmFzZS5jb",
            "y9hdXRoL3YxIiwic2Vzc2lvbl9pZCI6ImI0YzhjMGY1LTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwMSIsImFwcF9tZXRhZGF",
            "0YSI6eyJwcm92aWRlciI6ImVtYWlsIn19.GuwnajxHvFTGohnzbMelIpIA7VNFaMUf8cZVkTpb7MM",
        ].joined(),
        "rs256WrongKey": [
            "eyJhbGciOiJSUzI1NiIsImtpZCI6InJzYS0xIiwidHlwIjoiSldUIn0.eyJzdWIiOiI1YjBjNmEwZS03ZDRmLTRjMWUtOWE1My",
            "0yZjFjM2I4ZDllMDEiLCJyb2xlIjoiYXV0aGVudGljYXRlZCIsImF1ZCI6ImF1dGhlbnRpY2F0ZWQiLCJlbWFpbCI6ImFkYUBl",
            "eGFtcGxlLmNvbSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjo0MTAyNDQ0ODAwLCJpc3MiOiJodHRwczovL25pZ2h0c2hpZnQtdG",
            "VzdC5zdXBhYmFzZS5jby9hdXRoL3YxIiwic2Vzc2lvbl9pZCI6ImI0YzhjMGY1LTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAw",
            "MSIsImFwcF9tZXRhZGF0YSI6eyJwcm92aWRlciI6ImVtYWlsIn19.a6BZapbZ5jUrLd_tTw4cEPhVNYPPs_PyzieD-XBai_gkT",
            "oId1gmCVJXJyTl5J33y-CrFc5Qh178NB280lVawiuqQTVQ02Ct6iykusy_csxkWEO5nTwUWoSwvsZ0kXp4G7X4FAvYtJTZ2cnZ",
            "03Jl1H6G1uwy7mcxVdTtm3LNpWIAiL0UNjeMt2GQtK1jBN6YrOEs4V7ziMGP0ierfu4t2P1eOD0eUH5FXYR0SYQSqVxkOKwT7s",
            "ZugTSkqT2IPABOT-sJFGOVq2WZ5m4uJomivIHZh_gPSoTbK5awz7-aSJTC_HJvPXjNGwYRCIjExv93xsIfmg6WYfjptZB_Q91Z",
            "wlQ",
        ].joined(),
        "rs256UnknownKid": [
            "eyJhbGciOiJSUzI1NiIsImtpZCI6InJzYS05IiwidHlwIjoiSldUIn0.eyJzdWIiOiI1YjBjNmEwZS03ZDRmLTRjMWUtOWE1My",
            "0yZjFjM2I4ZDllMDEiLCJyb2xlIjoiYXV0aGVudGljYXRlZCIsImF1ZCI6ImF1dGhlbnRpY2F0ZWQiLCJlbWFpbCI6ImFkYUBl",
            "eGFtcGxlLmNvbSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjo0MTAyNDQ0ODAwLCJpc3MiOiJodHRwczovL25pZ2h0c2hpZnQtdG",
            "VzdC5zdXBhYmFzZS5jby9hdXRoL3YxIiwic2Vzc2lvbl9pZCI6ImI0YzhjMGY1LTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAw",
            "MSIsImFwcF9tZXRhZGF0YSI6eyJwcm92aWRlciI6ImVtYWlsIn19.G3ZdWqi15DOSLFOcia6kojWiDzeTNUiZ7HvVMWJVCfEAA",
            "xeqEV0VvugBzwkCLAY8rWINEgsx7MXfzy2VZrSBRh4forh8OTrVWduLbNs_BzO-xwWjTo7-PKEPbCZaxcN26TPlZF2O0kaVcV-",
            "XbYAVg0K4Sni7RCz073U7mkX7uFIDHrbEulZZZeadIrVWSs4oexIoCQLPRHiY8m0lNIicKHH7OIUhiPYvpFfRxZdlFkUYrNpio",
            "vCIMzuu4l_JpFQCxhdpn_5lXcrHdBpUtISjNpYc09XD0wkbSSs7mlVWy5hfTcPcO3xcArROxpprJRgctGCBSHoSAXTeDI-0k0d",
            "vXg",
        ].joined(),
        "hs256NonUUIDSubject": [
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTQyIiwicm9sZSI6ImF1dGhlbnRpY2F0ZWQiLCJhdWQiO",
            "iJhdXRoZW50aWNhdGVkIiwiZW1haWwiOiJhZGFAZXhhbXBsZS5jb20iLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6NDEwMjQ0NDg",
            "wMCwiaXNzIjoiaHR0cHM6Ly9uaWdodHNoaWZ0LXRlc3Quc3VwYWJhc2UuY28vYXV0aC92MSIsInNlc3Npb25faWQiOiJiNGM4Y",
            "zBmNS0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDEiLCJhcHBfbWV0YWRhdGEiOnsicHJvdmlkZXIiOiJlbWFpbCJ9fQ.PhSw",
            "5MZrYXEzRIRM0d15cXh_CzM40J-QsLnfTihZ9Yo",
        ].joined(),
        "hs256ServiceRoleKey": [
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6Im5pZ2h0c2hpZnR0ZXN0Iiwicm9sZ",
            "SI6InNlcnZpY2Vfcm9sZSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjo0MTAyNDQ0ODAwfQ.K6HctU6lL3FfzHIoPMNQQs1WeTzq",
            "xm6a7cEVEqIEXpM",
        ].joined(),
        "hs256AnonKey": [
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6Im5pZ2h0c2hpZnR0ZXN0Iiwicm9sZ",
            "SI6ImFub24iLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6NDEwMjQ0NDgwMH0.mCBkONgfcRCtKXsf6ktcapfbwnUX54wph5lb_0t",
            "ob_w",
        ].joined(),
        "unsignedNone": [
            "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiI1YjBjNmEwZS03ZDRmLTRjMWUtOWE1My0yZjFjM2I4ZDllMDEiLC",
            "Jyb2xlIjoiYXV0aGVudGljYXRlZCIsImF1ZCI6ImF1dGhlbnRpY2F0ZWQiLCJlbWFpbCI6ImFkYUBleGFtcGxlLmNvbSIsImlh",
            "dCI6MTcwMDAwMDAwMCwiZXhwIjo0MTAyNDQ0ODAwLCJpc3MiOiJodHRwczovL25pZ2h0c2hpZnQtdGVzdC5zdXBhYmFzZS5jby",
            "9hdXRoL3YxIiwic2Vzc2lvbl9pZCI6ImI0YzhjMGY1LTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwMSIsImFwcF9tZXRhZGF0",
            "YSI6eyJwcm92aWRlciI6ImVtYWlsIn19.",
        ].joined(),
    ]
}
