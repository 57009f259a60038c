#!/usr/bin/env python3
"""llama.cpp (llama-cpp-python) prefill/decode speed on the same prompt as mishu's
`inference/examples/llm_speed.rs`: PROMPT_TOKENS tokens of the same paragraph, NEW greedy
tokens, 2 threads. Prints one JSON line per run.

usage: bench-kernels-peer.py MODEL.gguf [PROMPT_TOKENS] [NEW] [RUNS]
"""
import json
import sys
import time

from llama_cpp import Llama

PARA = ("The finance team met on Tuesday to review the quarterly budget. Alice said the "
        "travel spending was twelve percent over plan and asked Bob to check the hotel "
        "invoices from the Singapore trip before Friday. Carol will draft the new approval "
        "policy and send it to the directors next week. ")


def main():
    path = sys.argv[1]
    n_prompt = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    n_new = int(sys.argv[3]) if len(sys.argv) > 3 else 128
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    llm = Llama(model_path=path, n_threads=2, n_threads_batch=2, n_ctx=n_prompt + n_new + 16,
                n_batch=512, verbose=False)
    text = PARA * (n_prompt // 40 + 2)
    toks = llm.tokenize(text.encode(), add_bos=False)[:n_prompt]
    for _ in range(runs):
        llm.reset()
        t = time.perf_counter()
        llm.eval(toks)
        prefill = time.perf_counter() - t
        t = time.perf_counter()
        for _ in range(n_new):
            tok = llm.sample(temp=0.0, top_k=1)
            llm.eval([tok])
        decode = time.perf_counter() - t
        print(json.dumps({"engine": "llama.cpp", "prompt_tokens": len(toks), "new_tokens": n_new,
                          "prefill_tok_s": round(len(toks) / prefill, 2),
                          "decode_tok_s": round(n_new / decode, 2)}), flush=True)


if __name__ == "__main__":
    main()
