package ai.leti.trainer;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Fine-tunes the model on reward-tagged execution results and publishes checkpoints (the LETI loop lands here with issue 4). */
@SpringBootApplication
public class TrainerApplication {

    public static void main(String[] args) {
        SpringApplication.run(TrainerApplication.class, args);
    }
}
