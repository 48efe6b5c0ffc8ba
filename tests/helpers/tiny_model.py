"""A tiny real causal language model built locally: random-initialised Llama + a BPE tokenizer trained here.

It loads through ``from_pretrained`` like a user's checkpoint, with a chat template, so every code path that
takes a model folder (serving, training, evaluation) runs for real in seconds on a CPU.
"""

from __future__ import annotations

from pathlib import Path

CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>{{ message['content'] }}<|end|>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)
SPECIAL = ["<|pad|>", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>"]
CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "Question: what colour is the sky? Answer: the sky is blue.",
    "Knowledge grows leaf by leaf in a taxonomy of skills and facts.",
    "Seed examples teach the teacher what to write; replay keeps old facts alive.",
] * 50


def build_tiny_model(
    folder: Path,
    vocab_size: int = 512,
    hidden: int = 64,
    layers: int = 2,
    corpus: list[str] | None = None,
    seed: int = 0,
    kv_heads: int = 4,
    tied: bool = True,
) -> Path:
    """Write a tiny Llama checkpoint (4 attention heads sharing ``kv_heads`` key/value heads, embeddings ``tied``
    to the output layer or not) and a tokenizer trained on ``corpus`` into ``folder``; return it."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=SPECIAL, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tokenizer.train_from_iterator(corpus or CORPUS, trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, pad_token="<|pad|>", eos_token="<|end|>", bos_token=None, unk_token=None
    )
    fast.chat_template = CHAT_TEMPLATE
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(fast),
        hidden_size=hidden,
        intermediate_size=hidden * 2,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=kv_heads,
        # transformers serve (5.25+) refuses a prompt longer than this with HTTP 400; a teacher prompt with a
        # document chunk takes ~830 tokens of this small-vocabulary tokenizer
        max_position_embeddings=2048,
        pad_token_id=fast.pad_token_id,
        eos_token_id=fast.eos_token_id,
        bos_token_id=None,
        tie_word_embeddings=tied,
    )
    model = LlamaForCausalLM(config)
    model.generation_config.do_sample = True  # so served requests' temperature applies, as for a real teacher
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder
