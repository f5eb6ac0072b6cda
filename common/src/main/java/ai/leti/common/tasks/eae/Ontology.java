package ai.leti.common.tasks.eae;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The event ontology of the EAE task: entity and event classes written as Python ({@code eae/ontology.py}), which
 * run with every program and check its arguments, and each event's roles with the entity types they take, which
 * the prompt shows.
 */
public final class Ontology {

    /** Each event type's roles and the entity types each role takes, as in {@code ontology.py}. */
    public static final Map<String, Map<String, List<String>>> EVENTS = events();

    private static final String CODE = load();

    private Ontology() {
    }

    private static Map<String, Map<String, List<String>>> events() {
        Map<String, Map<String, List<String>>> events = new LinkedHashMap<>();
        events.put("Attack", roles("attacker", List.of("Person", "Organization"), "target",
                List.of("Person", "Place", "Vehicle", "Organization"), "instrument", List.of("Weapon", "Vehicle"),
                "place", List.of("Place")));
        events.put("Transport", roles("agent", List.of("Person", "Organization"), "artifact",
                List.of("Person", "Weapon", "Vehicle"), "vehicle", List.of("Vehicle"), "origin", List.of("Place"),
                "destination", List.of("Place")));
        events.put("Meet", roles("entity", List.of("Person", "Organization"), "place", List.of("Place")));
        events.put("Die", roles("victim", List.of("Person"), "agent", List.of("Person", "Organization"), "instrument",
                List.of("Weapon", "Vehicle"), "place", List.of("Place")));
        events.put("Hire", roles("employee", List.of("Person"), "employer", List.of("Organization"), "place",
                List.of("Place")));
        return events;
    }

    private static Map<String, List<String>> roles(Object... pairs) {
        Map<String, List<String>> roles = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            @SuppressWarnings("unchecked")
            List<String> types = (List<String>) pairs[i + 1];
            roles.put((String) pairs[i], types);
        }
        return roles;
    }

    /** The ontology's Python source. */
    public static String code() {
        return CODE;
    }

    /** An event's signature as the prompt shows it: {@code Attack(attacker: Person | Organization, ...)}. */
    public static String signature(String eventType) {
        Map<String, List<String>> roles = EVENTS.get(eventType);
        if (roles == null) {
            throw new IllegalArgumentException("unknown event type " + eventType + "; the ontology has " + EVENTS.keySet());
        }
        StringBuilder signature = new StringBuilder(eventType).append('(');
        roles.forEach((role, types) -> signature.append(signature.charAt(signature.length() - 1) == '(' ? "" : ", ")
                .append(role).append(": ").append(String.join(" | ", types)));
        return signature.append(')').toString();
    }

    private static String load() {
        try (InputStream in = Ontology.class.getResourceAsStream("/eae/ontology.py")) {
            if (in == null) {
                throw new IllegalStateException("eae/ontology.py is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
