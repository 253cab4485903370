"""qbank: exam question banks as validated JSON, exported to papers and LMS formats.

The library is usable without the CLI::

    from qbank.bank import load_bank
    bank = load_bank("questions/itil4-foundation")
    for question in bank.questions:
        print(question.id, question.stem)
"""

__version__ = "0.1.0.dev0"
