/**
 * ggml tensor types as GGUF stores them: values per block and bytes per block (ggml/include/ggml.h,
 * ggml/src/ggml-common.h). Ids 4, 5 and 31–33, 36–38 were removed from GGUF files and are refused like llama.cpp does.
 */
export interface GgmlTypeInfo {
    readonly name: string;
    readonly block: number;
    readonly bytes: number;
}

const QK_K = 256;

export const GGML_TYPES: Readonly<Record<number, GgmlTypeInfo>> = {
    0: {name: "F32", block: 1, bytes: 4},
    1: {name: "F16", block: 1, bytes: 2},
    2: {name: "Q4_0", block: 32, bytes: 18},
    3: {name: "Q4_1", block: 32, bytes: 20},
    6: {name: "Q5_0", block: 32, bytes: 22},
    7: {name: "Q5_1", block: 32, bytes: 24},
    8: {name: "Q8_0", block: 32, bytes: 34},
    9: {name: "Q8_1", block: 32, bytes: 36},
    10: {name: "Q2_K", block: QK_K, bytes: 84},
    11: {name: "Q3_K", block: QK_K, bytes: 110},
    12: {name: "Q4_K", block: QK_K, bytes: 144},
    13: {name: "Q5_K", block: QK_K, bytes: 176},
    14: {name: "Q6_K", block: QK_K, bytes: 210},
    15: {name: "Q8_K", block: QK_K, bytes: 292},
    16: {name: "IQ2_XXS", block: QK_K, bytes: 66},
    17: {name: "IQ2_XS", block: QK_K, bytes: 74},
    18: {name: "IQ3_XXS", block: QK_K, bytes: 98},
    19: {name: "IQ1_S", block: QK_K, bytes: 50},
    20: {name: "IQ4_NL", block: 32, bytes: 18},
    21: {name: "IQ3_S", block: QK_K, bytes: 110},
    22: {name: "IQ2_S", block: QK_K, bytes: 82},
    23: {name: "IQ4_XS", block: QK_K, bytes: 136},
    24: {name: "I8", block: 1, bytes: 1},
    25: {name: "I16", block: 1, bytes: 2},
    26: {name: "I32", block: 1, bytes: 4},
    27: {name: "I64", block: 1, bytes: 8},
    28: {name: "F64", block: 1, bytes: 8},
    29: {name: "IQ1_M", block: QK_K, bytes: 56},
    30: {name: "BF16", block: 1, bytes: 2},
    34: {name: "TQ1_0", block: QK_K, bytes: 54},
    35: {name: "TQ2_0", block: QK_K, bytes: 66},
    39: {name: "MXFP4", block: 32, bytes: 17},
    40: {name: "NVFP4", block: 64, bytes: 36},
    41: {name: "Q1_0", block: 128, bytes: 18},
    42: {name: "Q2_0", block: 64, bytes: 18}
};
