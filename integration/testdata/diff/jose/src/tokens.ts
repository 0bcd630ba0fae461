// Tokens made once, offline, with jose and the keys in keys.ts: ES256 and
// JWE carry randomness, so the app checks these fixed ones besides its own.

export const fixedES256 = "eyJhbGciOiJFUzI1NiIsImtpZCI6ImVjLTEifQ.eyJzdWIiOiJmaXhlZC1lczI1NiIsInNjb3BlIjoicmVhZCIsImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoidXJuOnZhdWx0OmRpZmYifQ.2Z2F55yWTejSBu9t9MUVIsZFGMDBeqLd0ccKro3nDDBUde_ukFfyjFbcGukycgZlP38tbPr3w2NYCBBGXjV2Vw";
export const fixedJWE = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIiwiY3R5IjoianNvbiJ9..7HP-t-txiGgsahM6.wbgXHQexj0DfPI0uUjrEuI9sBpW4vxY9xfRr4_8k.B4rI1_MPTQ2CKyEleTE8fg";
