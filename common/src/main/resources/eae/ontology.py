# LETI's event ontology for event argument extraction written as code: entity and event classes. An event
# checks its own arguments, so a wrong role or a wrong entity type fails with a message that says what is wrong.
import json


class Entity:
    def __init__(self, name):
        if not isinstance(name, str) or not name:
            raise TypeError("an entity is named by a non-empty string, got %r" % (name,))
        self.name = name


class Person(Entity):
    pass


class Place(Entity):
    pass


class Organization(Entity):
    pass


class Weapon(Entity):
    pass


class Vehicle(Entity):
    pass


class Event:
    roles = {}

    def __init__(self, **arguments):
        kind = type(self).__name__
        self.arguments = {}
        for role, values in arguments.items():
            if role not in self.roles:
                raise TypeError("%s has no role '%s'; its roles are %s" % (kind, role, ", ".join(self.roles)))
            values = values if isinstance(values, list) else [values]
            for value in values:
                allowed = self.roles[role]
                if not isinstance(value, allowed):
                    raise TypeError("role '%s' of %s must be a %s, got %s" % (
                        role, kind, " or ".join(t.__name__ for t in allowed), type(value).__name__))
            self.arguments[role] = values


class Attack(Event):
    roles = {"attacker": (Person, Organization), "target": (Person, Place, Vehicle, Organization),
             "instrument": (Weapon, Vehicle), "place": (Place,)}


class Transport(Event):
    roles = {"agent": (Person, Organization), "artifact": (Person, Weapon, Vehicle), "vehicle": (Vehicle,),
             "origin": (Place,), "destination": (Place,)}


class Meet(Event):
    roles = {"entity": (Person, Organization), "place": (Place,)}


class Die(Event):
    roles = {"victim": (Person,), "agent": (Person, Organization), "instrument": (Weapon, Vehicle), "place": (Place,)}


class Hire(Event):
    roles = {"employee": (Person,), "employer": (Organization,), "place": (Place,)}


def leti_check(event, expected_type, gold):
    """Prints the extracted arguments for scoring, then asserts they are the sentence's."""
    if not isinstance(event, Event):
        raise TypeError("extract() must return an event, got %s" % type(event).__name__)
    if type(event).__name__ != expected_type:
        raise TypeError("the sentence describes a %s event, got %s" % (expected_type, type(event).__name__))
    predicted = sorted([role, type(value).__name__, value.name] for role, values in event.arguments.items()
                       for value in values)
    print("LETI_EAE " + json.dumps(predicted), flush=True)
    assert predicted == sorted(gold)
