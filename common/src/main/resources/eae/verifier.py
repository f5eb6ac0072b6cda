# The authors' way of judging event argument extraction as code (LETI, after Code4Struct): the ontology in the
# prompt only annotates role types, and this verifier compares the extracted arguments with the sentence's gold
# arguments by head word, saying which do not match and how many were right. It runs as the tests, after the
# program; it prints the extracted arguments for scoring.
import json

_ARTICLES = ("the", "a", "an")


def leti_head(name):
    """The head word of an argument's text: its last word, lower-cased, articles dropped."""
    words = [word for word in name.lower().replace(".", " ").split() if word not in _ARTICLES]
    return words[-1] if words else ""


def leti_verify(arguments, gold):
    """arguments: [role, entity type, text] triples the program's event built; gold: the sentence's, alike."""
    predicted = []
    for argument in arguments:
        if type(argument) not in (list, tuple) or len(argument) != 3 or not all(type(part) is str for part in argument):
            raise TypeError("an argument must be an entity with a string name, got %r" % (argument,))
        predicted.append(list(argument))
    print("LETI_EAE " + json.dumps(sorted(predicted)), flush=True)
    unmatched = list(gold)
    problems = []
    correct = 0
    for role, kind, text in predicted:
        same = [g for g in unmatched if leti_head(g[2]) == leti_head(text)]
        if not same:
            problems.append('%s("%s") does not match any ground truth argument' % (kind, text))
            continue
        right = [g for g in same if g[0] == role]
        if right:
            unmatched.remove(right[0])
            correct += 1
        else:
            problems.append('%s("%s") is assigned to wrong role %s' % (kind, text, role))
    if correct < len(gold):
        problems.append("Only %d out of %d arguments are correctly identified" % (correct, len(gold)))
    if problems:
        raise AssertionError("\n".join(problems))
