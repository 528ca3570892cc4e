package dev.secateur.it;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's chromium, headless, driven by its chromium-driver through Selenium, as a user's browser. Its
 * console log is collected, and screenshots go under target/screenshots/ for a reviewer.
 */
final class Browser implements AutoCloseable {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SCREENSHOTS = Path.of("target", "screenshots").toAbsolutePath();

    final ChromeDriver driver;

    private Browser(ChromeDriver driver) {
        this.driver = driver;
    }

    static Browser start() {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(DRIVER)) {
            throw new AssertionError("the browser tests need Debian's chromium and chromium-driver: apt-get install -y chromium "
                    + "chromium-driver (.ci/run installs them)");
        }
        var options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,2000",
                "--allow-file-access-from-files");
        var logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        // the driver on the machine, never one downloaded by Selenium Manager
        var service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build();
        var driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
        return new Browser(driver);
    }

    void open(String url) {
        driver.get(url);
    }

    /**
     * Opens a run's report.html copied into {@code elsewhere}, away from its run directory, so nothing but the file
     * itself can serve what it shows, once the page has drawn it; the console log starts empty for the page.
     */
    void openReport(Path runDir, Path elsewhere) throws IOException {
        Path alone = Files.createDirectories(elsewhere).resolve("report.html");
        Files.copy(runDir.resolve("report.html"), alone, StandardCopyOption.REPLACE_EXISTING);
        consoleLog();
        open(alone.toUri().toString());
        // the provenance is the last thing a report draws
        waiting(Duration.ofSeconds(20)).until(d -> count("#provenance") == 1);
    }

    /** What the page wrote to the console since the last read at the level of a warning or worse. */
    List<LogEntry> consoleWarnings() {
        return consoleLog().stream().filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue()).toList();
    }

    /** A wait that looks again when the page redrew what it had found (the dashboard redraws a view as events come). */
    WebDriverWait waiting(Duration within) {
        var wait = new WebDriverWait(driver, within);
        wait.pollingEvery(Duration.ofMillis(200)).ignoring(StaleElementReferenceException.class);
        return wait;
    }

    /** The text of the first element that matches, read in one step of the page; null if none. */
    String text(String css) {
        Object text = js("const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css);
        return text == null ? null : text.toString();
    }

    /** How many elements match, counted in one step of the page. */
    int count(String css) {
        return ((Number) js("return document.querySelectorAll(arguments[0]).length;", css)).intValue();
    }

    /** For each element that matches, the text of each of the given cells (or attribute, as @name), read at once. */
    @SuppressWarnings("unchecked")
    List<List<String>> rows(String css, String... cells) {
        return (List<List<String>>) js("""
                return Array.from(document.querySelectorAll(arguments[0])).map(row => arguments[1].map(cell => {
                  if (cell.startsWith('@')) return row.getAttribute(cell.slice(1));
                  const e = row.querySelector(cell);
                  return e ? e.textContent : null;
                }));
                """, css, List.of(cells));
    }

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    WebElement one(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    /** Everything the page wrote to the console since the last call. */
    List<LogEntry> consoleLog() {
        return driver.manage().logs().get(LogType.BROWSER).getAll();
    }

    /** A screenshot of the whole window, as target/screenshots/NAME.png. */
    Path screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        File shot = driver.getScreenshotAs(OutputType.FILE);
        return Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Whether a canvas under the element has any pixel drawn: its image is not blank. A chart drawn by uPlot
     * is a canvas; an empty one has every pixel transparent.
     */
    boolean hasDrawnCanvas(String css) {
        Object drawn = js("""
                const canvas = document.querySelector(arguments[0] + ' canvas');
                if (!canvas || !canvas.width || !canvas.height) return false;
                const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
                for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return true;
                return false;
                """, css);
        return Boolean.TRUE.equals(drawn);
    }

    /** Marks the page, so a later check can tell that it was never reloaded. */
    void mark() {
        js("window.__secateurMark = 'kept';");
    }

    boolean stillMarked() {
        return "kept".equals(js("return window.__secateurMark || null;"));
    }

    Map<String, Object> info() {
        return Map.of("url", driver.getCurrentUrl(), "title", driver.getTitle());
    }

    @Override
    public void close() {
        driver.quit();
    }
}
