package ai.leti.system.browser;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HeadlessChromium} against two pages written here: one that renders cleanly, and one with a missing image, a
 * console error and an uncaught exception, each of which must be reported. Skipped where there is no Chromium.
 */
class HeadlessChromiumTest {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private static HeadlessChromium chromium;

    @TempDir
    Path dir;

    @BeforeAll
    static void startChromium() throws IOException {
        Assumptions.assumeTrue(HeadlessChromium.binary().isPresent(),
                "no Chromium: ./leti setup installs Debian's chromium");
        chromium = HeadlessChromium.start();
    }

    @AfterAll
    static void stopChromium() {
        if (chromium != null) {
            chromium.close();
        }
    }

    @Test
    void aCleanPageHasItsTitleItsImageAndAScreenshot() throws Exception {
        writeImage(dir.resolve("square.png"));
        Path page = write("good.html", """
                <!doctype html>
                <html><head><title>All good</title></head>
                <body><h1>Fine</h1><img src="square.png" alt="a square"><script>console.log('hello');</script></body>
                </html>
                """);
        Path screenshot = dir.resolve("shots").resolve("good.png");

        HeadlessChromium.PageReport report = chromium.open(page, screenshot);

        assertThat(report.title()).isEqualTo("All good");
        assertThat(report.images()).isEqualTo(1);
        assertThat(report.brokenImages()).isEmpty();
        assertThat(report.consoleErrors()).isEmpty();
        assertThat(report.clean()).isTrue();
        byte[] png = Files.readAllBytes(screenshot);
        assertThat(png).startsWith(PNG_SIGNATURE);
        BufferedImage image = ImageIO.read(screenshot.toFile());
        assertThat(image).isNotNull();
        assertThat(image.getWidth()).isPositive();
        assertThat(image.getHeight()).isPositive();
    }

    @Test
    void aBrokenPageReportsTheMissingImageTheConsoleErrorAndTheUncaughtException() throws Exception {
        writeImage(dir.resolve("square.png"));
        Path page = write("bad.html", """
                <!doctype html>
                <html><head><title>All bad</title></head>
                <body>
                <img src="square.png"><img src="missing.png">
                <script>console.error("boom");</script>
                <script>throw new Error("uncaught");</script>
                </body>
                </html>
                """);

        HeadlessChromium.PageReport report = chromium.open(page, dir.resolve("bad.png"));

        assertThat(report.title()).isEqualTo("All bad");
        assertThat(report.images()).isEqualTo(2);
        assertThat(report.brokenImages()).containsExactly("missing.png");
        assertThat(report.consoleErrors()).anySatisfy(error -> assertThat(error).contains("boom"));
        assertThat(report.consoleErrors()).anySatisfy(error -> assertThat(error).contains("Error: uncaught"));
        assertThat(report.consoleErrors()).anySatisfy(error -> assertThat(error).contains("missing.png"));
        assertThat(report.clean()).isFalse();
        assertThat(dir.resolve("bad.png")).isNotEmptyFile();
    }

    private Path write(String name, String html) throws IOException {
        return Files.writeString(dir.resolve(name), html);
    }

    private static void writeImage(Path file) throws IOException {
        BufferedImage image = new BufferedImage(20, 20, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < 20; x++) {
            for (int y = 0; y < 20; y++) {
                image.setRGB(x, y, Color.ORANGE.getRGB());
            }
        }
        assertThat(ImageIO.write(image, "png", file.toFile())).isTrue();
    }
}
