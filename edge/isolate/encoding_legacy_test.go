package isolate

import "testing"

func TestTextDecoderLegacyEncodings(t *testing.T) {
	webapiRun(t, []webapiCase{
		{"Latin1IsWindows1252", `const d = new TextDecoder("latin1"); return d.encoding + " " + d.decode(new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x20, 0x80, 0x9f]))`, "windows-1252 café €Ÿ"},
		{"LabelsAreTrimmedAndCaseless", `return new TextDecoder(" ISO-8859-1\n").encoding + " " + new TextDecoder("ASCII").encoding + " " + new TextDecoder("utf8").encoding`, "windows-1252 windows-1252 utf-8"},
		{"UTF16LEStripsItsBOM", `return codes(new TextDecoder("utf-16le").decode(new Uint8Array([0xff, 0xfe, 0x41, 0x00, 0x3d, 0xd8, 0x00, 0xde])))`, "41 1f600"},
		{"UTF16IgnoreBOMKeepsIt", `return codes(new TextDecoder("utf-16", {ignoreBOM: true}).decode(new Uint8Array([0xff, 0xfe, 0x41, 0x00])))`, "feff 41"},
		{"UTF16BE", `const d = new TextDecoder("utf-16be"); return d.encoding + " " + codes(d.decode(new Uint8Array([0x00, 0x68, 0x00, 0x69])))`, "utf-16be 68 69"},
		{"UTF16FatalLoneSurrogate", `return threw(() => new TextDecoder("utf-16le", {fatal: true}).decode(new Uint8Array([0x3d, 0xd8])))`, "TypeError"},
		{"UTF16FatalAcceptsAnEncodedReplacementCharacter", `return codes(new TextDecoder("utf-16le", {fatal: true}).decode(new Uint8Array([0xfd, 0xff])))`, "fffd"},
		{"ShiftJISStreamedAcrossChunks", `const d = new TextDecoder("shift_jis"); const b = new Uint8Array([0x93, 0xfa, 0x96, 0x7b]); return d.decode(b.subarray(0, 1), {stream: true}) + d.decode(b.subarray(1, 3), {stream: true}) + d.decode(b.subarray(3))`, "日本"},
		{"ShiftJISIncompleteAtTheEnd", `return codes(new TextDecoder("shift_jis").decode(new Uint8Array([0x41, 0x93])))`, "41 fffd"},
		{"ShiftJISFatal", `return threw(() => new TextDecoder("shift_jis", {fatal: true}).decode(new Uint8Array([0x41, 0x93])))`, "TypeError"},
		{"EUCKRAndGBK", `return new TextDecoder("euc-kr").decode(new Uint8Array([0xc7, 0xd1])) + new TextDecoder("gbk").decode(new Uint8Array([0xc4, 0xe3]))`, "한你"},
		{"KOI8R", `return new TextDecoder("koi8-r").decode(new Uint8Array([0xd0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]))`, "привет"},
		{"ErrUnknownLabel", `return threw(() => new TextDecoder("klingon"))`, "RangeError"},
		{"ErrReplacementEncoding", `return threw(() => new TextDecoder("iso-2022-kr"))`, "RangeError"},
		{"ArrayBufferInput", `return new TextDecoder("windows-1252").decode(new Uint8Array([0x41, 0xe9]).buffer)`, "Aé"},
	})
}
