package dev.secateur.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SubmissionTest {

    /** Collects what a follower is told. */
    private static final class Collected implements Submission.Listener {
        final List<String> events = new ArrayList<>();
        boolean ended;

        @Override
        public void event(String json) {
            events.add(json);
        }

        @Override
        public void end() {
            ended = true;
        }
    }

    private static String output(int i) {
        return new JsonObject().put("type", "output").put("line", "line " + i).encode();
    }

    @Test
    void beyondItsCapASubmissionDropsItsOldestLinesAndALateFollowerIsToldHowMany() {
        var submission = new Submission("s1", "loop.groovy", List.of(), 3);
        var live = new Collected();
        submission.follow(live);
        for (int i = 1; i <= 7; i++) {
            submission.append(output(i));
        }
        assertThat(live.events).as("those following live get every line").hasSize(7);
        assertThat(submission.dropped()).isEqualTo(4);

        var late = new Collected();
        submission.follow(late);
        assertThat(late.events).hasSize(4);
        var note = new JsonObject(late.events.get(0));
        assertThat(note.getString("type")).isEqualTo("dropped");
        assertThat(note.getLong("lines")).isEqualTo(4);
        assertThat(note.getString("message")).contains("first 4 lines").contains("last 3");
        assertThat(late.events.subList(1, 4)).containsExactly(output(5), output(6), output(7));

        submission.end(new JsonObject().put("type", "end").put("exit", 0).encode());
        var afterTheEnd = new Collected();
        submission.follow(afterTheEnd);
        assertThat(afterTheEnd.ended).isTrue();
        assertThat(new JsonObject(afterTheEnd.events.get(0)).getLong("lines")).isEqualTo(5);
        assertThat(afterTheEnd.events).last().asString().contains("\"type\":\"end\"");
    }

    @Test
    void aSubmissionUnderItsCapReplaysEverythingWithoutANote() {
        var submission = new Submission("s2", "short.groovy", List.of(), 3);
        submission.append(output(1));
        var late = new Collected();
        submission.follow(late);
        assertThat(late.events).containsExactly(output(1));
    }
}
