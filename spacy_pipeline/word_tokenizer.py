"""Rasa tokenizer: spaCy's tokens without the punctuation-only ones.

Users leave question marks out ("how is it treated") and put extra ones in ("cmmd??").
With "?" as a token the classifiers leaned on it: "What could be causing this?" and "what
could be causing this" were given different FAQ topics. Rasa's `token_pattern` option does
not help here: it keeps a token that matches nothing as it is. So this tokenizer drops the
tokens with no letter or digit; a message of punctuation only keeps its tokens, so it is
still classified (as nothing much). The safety net reads the spaCy doc, not these tokens.
"""
from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message


def is_word(text: str) -> bool:
    return any(char.isalnum() for char in text)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class WordTokenizer(SpacyTokenizer):
    def tokenize(self, message: Message, attribute: str) -> List[Token]:
        tokens = super().tokenize(message, attribute)
        words = [token for token in tokens if is_word(token.text)]
        return words or tokens
