package dev.secateur.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.secateur.errors.BadInputException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {

    @TempDir
    Path dir;

    /** A 2×3 colour image whose pixels differ from one another. */
    private static BufferedImage colour() {
        var image = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        int[][] rgb = {{0xff0000, 0x00ff00, 0x0000ff}, {0x0a141e, 0x808080, 0xffffff}};
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 3; x++) {
                image.setRGB(x, y, rgb[y][x]);
            }
        }
        return image;
    }

    private static BufferedImage grey(int height, int width, int... values) {
        var image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < height * width; i++) {
            image.getRaster().setSample(i % width, i / width, 0, values.length == 1 ? values[0] : values[i]);
        }
        return image;
    }

    private static BufferedImage uniform(int height, int width, int rgb) {
        var image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, rgb);
            }
        }
        return image;
    }

    private Path write(String path, BufferedImage image) throws IOException {
        Path file = dir.resolve(path);
        Files.createDirectories(file.getParent());
        String format = path.substring(path.lastIndexOf('.') + 1).toLowerCase();
        assertThat(ImageIO.write(image, format, file.toFile())).as("writer for " + format).isTrue();
        return file;
    }

    private static int[] unsigned(byte[] pixels) {
        int[] values = new int[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            values[i] = pixels[i] & 0xff;
        }
        return values;
    }

    @Test
    void colourPngIsReadExactlyChannelByChannel() throws IOException {
        write("train/a/1.png", colour());

        var images = ImageFolder.read(dir.resolve("train"), 0, 0, 0);

        assertThat(images.source()).isEqualTo(dir.resolve("train").toString());
        assertThat(images.count()).isEqualTo(1);
        assertThat(images.channels()).isEqualTo(3);
        assertThat(images.height()).isEqualTo(2);
        assertThat(images.width()).isEqualTo(3);
        assertThat(unsigned(images.pixels())).containsExactly(
                255, 0, 0, 10, 128, 255, // red
                0, 255, 0, 20, 128, 255, // green
                0, 0, 255, 30, 128, 255); // blue
    }

    @Test
    void greyPngIsReadExactlyAsOneChannel() throws IOException {
        write("train/a/1.png", grey(2, 2, 0, 7, 128, 255));

        var images = ImageFolder.read(dir.resolve("train"), 0, 0, 0);

        assertThat(images.channels()).isEqualTo(1);
        assertThat(unsigned(images.pixels())).containsExactly(0, 7, 128, 255);
    }

    @Test
    void colourBecomesLuminanceAndGreyStaysAsItIs() throws IOException {
        write("train/a/1.png", colour());
        write("train/b/1.png", grey(2, 3, 0, 1, 2, 100, 200, 255));

        var images = ImageFolder.read(dir.resolve("train"), 0, 0, 1);

        assertThat(images.channels()).isEqualTo(1);
        // 0.299 R + 0.587 G + 0.114 B, rounded: red 76.2, green 149.7, blue 29.1, (10, 20, 30) 18.2
        assertThat(unsigned(images.pixels())).containsExactly(76, 150, 29, 18, 128, 255, 0, 1, 2, 100, 200, 255);
    }

    @Test
    void greyExpandsToThreeEqualChannels() throws IOException {
        write("train/a/1.png", grey(1, 2, 5, 250));

        var images = ImageFolder.read(dir.resolve("train"), 0, 0, 3);

        assertThat(unsigned(images.pixels())).containsExactly(5, 250, 5, 250, 5, 250);
    }

    @Test
    void alphaIsDroppedWithoutDarkeningTheColour() throws IOException {
        var image = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        image.setRGB(0, 0, 0x00336699);
        image.setRGB(1, 0, 0x80ff8000);
        write("train/a/1.png", image);

        var images = ImageFolder.read(dir.resolve("train"), 0, 0, 0);

        assertThat(images.channels()).isEqualTo(3);
        assertThat(unsigned(images.pixels())).containsExactly(0x33, 0xff, 0x66, 0x80, 0x99, 0x00);
    }

    @Test
    void sixteenBitGreyKeepsTheHighByte() throws IOException {
        var image = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        image.getRaster().setSample(0, 0, 0, 0xabcd);
        image.getRaster().setSample(1, 0, 0, 0x0102);
        write("train/a/1.png", image);

        var images = ImageFolder.read(dir.resolve("train"), 0, 0, 0);

        assertThat(images.channels()).isEqualTo(1);
        assertThat(unsigned(images.pixels())).containsExactly(0xab, 0x01);
    }

    @Test
    void jpegBmpGifAndUpperCaseNamesAreRead() throws IOException {
        write("train/a/1.jpg", uniform(8, 8, 0x3c78b4));
        write("train/a/2.BMP", uniform(8, 8, 0x102030));
        var gif = uniform(8, 8, 0xffffff);
        gif.setRGB(0, 0, 0x000000);
        write("train/a/3.gif", gif);
        write("train/a/4.JPEG", uniform(8, 8, 0x3c78b4));

        var images = ImageFolder.read(dir.resolve("train"), 0, 0, 3);

        assertThat(images.files()).extracting(file -> file.getFileName().toString())
                .containsExactly("1.jpg", "2.BMP", "3.gif", "4.JPEG");
        int plane = 64;
        int[] pixels = unsigned(images.pixels());
        // JPEG is lossy; a flat colour comes back within a few levels
        assertThat(pixels[0]).isCloseTo(0x3c, within(3));
        assertThat(pixels[plane]).isCloseTo(0x78, within(3));
        assertThat(pixels[2 * plane]).isCloseTo(0xb4, within(3));
        int bmp = 3 * plane;
        assertThat(new int[] {pixels[bmp], pixels[bmp + plane], pixels[bmp + 2 * plane]})
                .containsExactly(0x10, 0x20, 0x30);
        int gifStart = 6 * plane;
        assertThat(new int[] {pixels[gifStart], pixels[gifStart + 1], pixels[gifStart + 2 * plane + 1]})
                .containsExactly(0, 255, 255);
    }

    @Test
    void resizingGivesTheAskedSizeAndKeepsFlatColours() throws IOException {
        write("train/a/1.png", uniform(4, 6, 0x204060));
        write("train/a/2.png", uniform(5, 3, 0x204060));
        write("train/b/1.png", grey(3, 3, 77));

        var images = ImageFolder.read(dir.resolve("train"), 2, 7, 0);

        assertThat(images.channels()).isEqualTo(3);
        assertThat(images.height()).isEqualTo(2);
        assertThat(images.width()).isEqualTo(7);
        assertThat(images.pixels()).hasSize(3 * 3 * 2 * 7);
        int[] pixels = unsigned(images.pixels());
        int plane = 14;
        for (int i = 0; i < 2; i++) {
            for (int p = 0; p < plane; p++) {
                assertThat(pixels[(3 * i) * plane + p]).isEqualTo(0x20);
                assertThat(pixels[(3 * i + 1) * plane + p]).isEqualTo(0x40);
                assertThat(pixels[(3 * i + 2) * plane + p]).isEqualTo(0x60);
            }
        }
        for (int p = 6 * plane; p < 9 * plane; p++) {
            assertThat(pixels[p]).isEqualTo(77);
        }

        var grey = ImageFolder.read(dir.resolve("train"), 3, 2, 1);
        assertThat(grey.pixels()).hasSize(3 * 3 * 2);
        assertThat(unsigned(grey.pixels())).endsWith(77, 77, 77, 77, 77, 77);
    }

    @Test
    void resizingInterpolatesAndIsTheSameEveryTime() throws IOException {
        write("train/a/1.png", grey(1, 2, 0, 200));

        var once = ImageFolder.read(dir.resolve("train"), 1, 4, 0);
        var again = ImageFolder.read(dir.resolve("train"), 1, 4, 0);

        int[] pixels = unsigned(once.pixels());
        assertThat(pixels).hasSize(4);
        assertThat(pixels[0]).isLessThan(pixels[1]);
        assertThat(pixels[1]).isLessThan(pixels[2]);
        assertThat(pixels[2]).isLessThanOrEqualTo(pixels[3]);
        assertThat(again.pixels()).isEqualTo(once.pixels());
    }

    @Test
    void classesAndFilesAreTakenInNameOrderAndOthersIgnored() throws IOException {
        write("train/b/2.png", grey(1, 1, 4));
        write("train/b/10.png", grey(1, 1, 3));
        write("train/a/1.png", grey(1, 1, 2));
        write("train/C/1.png", grey(1, 1, 1));
        write("train/a/.hidden.png", grey(1, 1, 9));
        write("train/a/nested/5.png", grey(1, 1, 9));
        write("train/.cache/1.png", grey(1, 1, 9));
        Files.writeString(dir.resolve("train/a/notes.txt"), "not an image");
        Files.writeString(dir.resolve("train/README.md"), "a file beside the class folders");

        var images = ImageFolder.read(dir.resolve("train"), 0, 0, 0);

        assertThat(images.classes()).containsExactly("C", "a", "b");
        assertThat(images.labels()).containsExactly(0, 1, 2, 2);
        assertThat(images.files()).containsExactly(dir.resolve("train/C/1.png"), dir.resolve("train/a/1.png"),
                dir.resolve("train/b/10.png"), dir.resolve("train/b/2.png"));
        assertThat(unsigned(images.pixels())).containsExactly(1, 2, 3, 4);
    }

    @Test
    void theTrainingClassesNumberTheTestImages() throws IOException {
        write("train/cat/1.png", grey(1, 1, 1));
        write("train/dog/1.png", grey(1, 1, 2));
        write("train/eel/1.png", grey(1, 1, 3));
        write("test/eel/1.png", grey(1, 1, 30));
        write("test/cat/1.png", grey(1, 1, 10));
        var train = ImageFolder.read(dir.resolve("train"), 0, 0, 0);

        var test = ImageFolder.read(dir.resolve("test"), train.classes(), 0, 0, train.channels());

        assertThat(test.classes()).containsExactly("cat", "dog", "eel");
        assertThat(test.labels()).containsExactly(0, 2);
        assertThat(unsigned(test.pixels())).containsExactly(10, 30);

        var reordered = ImageFolder.read(dir.resolve("test"), List.of("eel", "dog", "cat"), 0, 0, 0);
        assertThat(reordered.labels()).containsExactly(0, 2);
        assertThat(unsigned(reordered.pixels())).containsExactly(30, 10);
    }

    @Test
    void aTestFolderOutsideTheTrainingClassesIsNamed() throws IOException {
        write("test/cat/1.png", grey(1, 1, 1));
        write("test/bird/1.png", grey(1, 1, 1));

        assertThatThrownBy(() -> ImageFolder.read(dir.resolve("test"), List.of("cat", "dog"), 0, 0, 0))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(dir.resolve("test/bird").toString())
                .hasMessageContaining("not one of the classes cat, dog");
    }

    @Test
    void aMissingRootOrAFileIsRefused() throws IOException {
        Path missing = dir.resolve("nope");
        assertThatThrownBy(() -> ImageFolder.read(missing, 0, 0, 0))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(missing + " does not exist")
                .hasMessageContaining("root/<class>/<image>.png");

        Path file = Files.writeString(dir.resolve("file.png"), "x");
        assertThatThrownBy(() -> ImageFolder.read(file, 0, 0, 0))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(file + " is a file, not a directory");
    }

    @Test
    void aRootWithoutClassFoldersExplainsTheLayout() throws IOException {
        write("flat/1.png", grey(1, 1, 1));

        assertThatThrownBy(() -> ImageFolder.read(dir.resolve("flat"), 0, 0, 0))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(dir.resolve("flat") + " has no class subfolders")
                .hasMessageContaining("root/<class>/<image>.png");
    }

    @Test
    void anEmptyClassFolderIsNamed() throws IOException {
        write("train/a/1.png", grey(1, 1, 1));
        Files.createDirectories(dir.resolve("train/b"));
        Files.writeString(dir.resolve("train/b/labels.txt"), "not an image");

        assertThatThrownBy(() -> ImageFolder.read(dir.resolve("train"), 0, 0, 0))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("class folder " + dir.resolve("train/b") + " holds no images")
                .hasMessageContaining("remove it or add images");
    }

    @Test
    void aCorruptImageIsNamed() throws IOException {
        write("train/a/1.png", grey(1, 1, 1));
        Path corrupt = dir.resolve("train/a/x.png");
        Files.write(corrupt, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});

        assertThatThrownBy(() -> ImageFolder.read(dir.resolve("train"), 0, 0, 0))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("cannot read image " + corrupt)
                .hasMessageContaining("replace or remove it");
    }

    @Test
    void aTruncatedPngIsNamed() throws IOException {
        Path file = write("train/a/1.png", colour());
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, 40));

        assertThatThrownBy(() -> ImageFolder.read(dir.resolve("train"), 0, 0, 0))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("cannot read image " + file);
    }

    @Test
    void imagesOfDifferentSizesNeedASize() throws IOException {
        write("train/a/1.png", grey(28, 28, 0));
        Path odd = write("train/b/1.png", grey(30, 40, 0));

        assertThatThrownBy(() -> ImageFolder.read(dir.resolve("train"), 0, 0, 0))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("image " + odd + " is 30×40 (height×width)")
                .hasMessageContaining(dir.resolve("train/a/1.png") + ", is 28×28")
                .hasMessageContaining("size: [H, W]");

        assertThat(ImageFolder.read(dir.resolve("train"), 28, 28, 0).count()).isEqualTo(2);
    }

    @Test
    void channelsAndSizeAreChecked() throws IOException {
        write("train/a/1.png", grey(1, 1, 1));
        Path root = dir.resolve("train");

        assertThatThrownBy(() -> ImageFolder.read(root, 0, 0, 2))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(root.toString())
                .hasMessageContaining("channels must be 1 (grey) or 3 (colour)")
                .hasMessageContaining("not 2");
        assertThatThrownBy(() -> ImageFolder.read(root, -1, 28, 0))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(root + ": size [-1, 28] is not positive");
        assertThatThrownBy(() -> ImageFolder.read(root, 28, 0, 0))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("size [28, 0] is not positive");
    }
}
