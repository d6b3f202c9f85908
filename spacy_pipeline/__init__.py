"""The project's own spaCy pipeline: rule-based entities for symptom and red-flag language.

`patterns/` holds the versioned pattern files, `build.py` turns them into a spaCy pipeline on
disk (loaded by path from Rasa's `config.yml`), `signals.py` reads a processed `Doc` into the
safety signals, and `safety_net.py` is the Rasa NLU component that acts on them.
"""
