package dev.secateur.data;

import dev.secateur.errors.BadInputException;
import java.awt.AlphaComposite;
import java.awt.RenderingHints;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Reads a folder of images sorted into one subfolder per class, as torchvision's ImageFolder does:
 * {@code root/<class>/<image>.png} (or .jpg, .jpeg, .bmp, .gif). Hidden entries, other files and folders
 * inside class folders are ignored. Classes and files are taken in name order, so two reads of the same
 * folder give the same examples in the same order.
 */
public final class ImageFolder {

    private static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif");
    private static final String LAYOUT = "root/<class>/<image>.png, one subfolder per class";

    private ImageFolder() {
    }

    /**
     * @param pixels {@code count × channels × height × width}: each image channel by channel, each channel
     *        row-major
     * @param labels the index in {@code classes} of each image
     * @param files the image files, in the order of {@code labels}
     */
    public record Images(String source, List<String> classes, int channels, int height, int width, byte[] pixels,
            int[] labels, List<Path> files) {
        public int count() {
            return labels.length;
        }
    }

    /**
     * The classes are the subfolders of {@code root}, in name order.
     *
     * @param height,width 0 to keep the images' own size (then all must have the same size)
     * @param channels 0 to take the first image's (1 for grey, 3 for colour), else 1 or 3
     */
    public static Images read(Path root, int height, int width, int channels) {
        return load(root, null, height, width, channels);
    }

    /**
     * Labels images by the given classes, in their order, so that a test folder is numbered as its training
     * folder was. A subfolder not in the list is an error; a class without a subfolder has no images here.
     *
     * @param height,width 0 to keep the images' own size (then all must have the same size)
     * @param channels 0 to take the first image's (1 for grey, 3 for colour), else 1 or 3
     */
    public static Images read(Path root, List<String> classes, int height, int width, int channels) {
        return load(root, List.copyOf(Objects.requireNonNull(classes, "classes")), height, width, channels);
    }

    private static Images load(Path root, List<String> given, int height, int width, int channels) {
        String name = root.toString();
        if (channels != 0 && channels != 1 && channels != 3) {
            throw new BadInputException("image folder " + name + ": channels must be 1 (grey) or 3 (colour), or left "
                    + "out to take the first image's, not " + channels);
        }
        if (height < 0 || width < 0 || (height == 0) != (width == 0)) {
            throw new BadInputException("image folder " + name + ": size [" + height + ", " + width + "] is not "
                    + "positive; give size: [H, W] with both above 0, or leave size out to keep the images' own size");
        }
        if (!Files.exists(root)) {
            throw new BadInputException("image folder " + name + " does not exist; give the folder laid out as "
                    + LAYOUT);
        }
        if (!Files.isDirectory(root)) {
            throw new BadInputException("image folder " + name + " is a file, not a directory; give the folder laid "
                    + "out as " + LAYOUT);
        }
        List<String> folders = list(root, Files::isDirectory);
        if (folders.isEmpty()) {
            throw new BadInputException("image folder " + name + " has no class subfolders; lay it out as " + LAYOUT
                    + ", e.g. " + root.resolve("cat").resolve("1.png"));
        }
        List<String> classes = given == null ? folders : given;
        for (String folder : folders) {
            if (!classes.contains(folder)) {
                throw new BadInputException("image folder " + root.resolve(folder) + " is not one of the classes "
                        + String.join(", ", classes) + " (those of the training images); remove it, or add the class "
                        + "to the training images");
            }
        }

        var files = new ArrayList<Path>();
        var labels = new ArrayList<Integer>();
        for (int k = 0; k < classes.size(); k++) {
            if (!folders.contains(classes.get(k))) {
                continue;
            }
            Path folder = root.resolve(classes.get(k));
            List<String> images = list(folder, file -> Files.isRegularFile(file) && isImage(file));
            if (images.isEmpty()) {
                throw new BadInputException("class folder " + folder + " holds no images (.png, .jpg, .jpeg, .bmp or "
                        + ".gif); remove it or add images");
            }
            for (String image : images) {
                files.add(folder.resolve(image));
                labels.add(k);
            }
        }

        Planes first = decode(files.get(0));
        int h = height > 0 ? height : first.height;
        int w = width > 0 ? width : first.width;
        int c = channels > 0 ? channels : first.count;
        long total = (long) files.size() * c * h * w;
        if (total > Integer.MAX_VALUE - 8) {
            throw new BadInputException("image folder " + name + " is too large: " + files.size() + " images of " + c
                    + "×" + h + "×" + w + " do not fit in one array; give a smaller size: [H, W] or use fewer images");
        }
        byte[] pixels = new byte[(int) total];
        for (int i = 0; i < files.size(); i++) {
            Planes image = i == 0 ? first : decode(files.get(i));
            if (height == 0 && (image.height != first.height || image.width != first.width)) {
                throw new BadInputException("image " + files.get(i) + " is " + image.height + "×" + image.width
                        + " (height×width) but the first image, " + files.get(0) + ", is " + first.height + "×"
                        + first.width + "; set size: [H, W] to resize all images as they are read");
            }
            if (c == 1 && image.count == 3) {
                image = image.grey();
            }
            image.resize(h, w).writeTo(pixels, i * c * h * w, c);
        }
        return new Images(name, List.copyOf(classes), c, h, w, pixels,
                labels.stream().mapToInt(Integer::intValue).toArray(), List.copyOf(files));
    }

    /** The names of the visible entries of a folder that pass the test, sorted. */
    private static List<String> list(Path folder, Predicate<Path> test) {
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.filter(entry -> !entry.getFileName().toString().startsWith("."))
                    .filter(test)
                    .map(entry -> entry.getFileName().toString())
                    .sorted(Comparator.naturalOrder())
                    .toList();
        } catch (IOException e) {
            throw new BadInputException("cannot list folder " + folder + ": " + e.getMessage(), e);
        }
    }

    private static boolean isImage(Path file) {
        String fileName = file.getFileName().toString();
        int dot = fileName.lastIndexOf('.');
        return dot >= 0 && EXTENSIONS.contains(fileName.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static Planes decode(Path file) {
        BufferedImage image;
        try {
            image = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            // decoders throw runtime exceptions of their own on some damaged files
            throw new BadInputException("cannot read image " + file + ": " + e.getMessage() + "; the file is damaged or "
                    + "not an image, so replace or remove it", e);
        }
        if (image == null) {
            throw new BadInputException("cannot read image " + file + ": it is not a PNG, JPEG, BMP or GIF image that "
                    + "Java can decode; replace or remove it");
        }
        return Planes.of(image);
    }

    /** One image as 1 (grey) or 3 (red, green, blue) planes of unsigned bytes, each row-major. */
    private record Planes(int count, int height, int width, byte[] data) {

        static Planes of(BufferedImage image) {
            int h = image.getHeight();
            int w = image.getWidth();
            int n = h * w;
            ColorModel model = image.getColorModel();
            Raster raster = image.getRaster();
            // the common decoded kinds are read band by band, without per-pixel colour conversion
            if (model instanceof ComponentColorModel && model.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
                byte[] data = new byte[n];
                band(raster, 0, model.getComponentSize(0), data, 0);
                return new Planes(1, h, w, data);
            }
            byte[] data = new byte[3 * n];
            if (model instanceof ComponentColorModel && model.getColorSpace().isCS_sRGB()) {
                for (int b = 0; b < 3; b++) {
                    band(raster, b, model.getComponentSize(b), data, b * n);
                }
            } else if (model instanceof IndexColorModel palette) {
                int[] indices = raster.getSamples(0, 0, w, h, 0, (int[]) null);
                for (int i = 0; i < n; i++) {
                    split(palette.getRGB(indices[i]), data, i, n);
                }
            } else {
                int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
                for (int i = 0; i < n; i++) {
                    split(argb[i], data, i, n);
                }
            }
            return new Planes(3, h, w, data);
        }

        private static void band(Raster raster, int band, int bits, byte[] out, int offset) {
            int[] samples = raster.getSamples(0, 0, raster.getWidth(), raster.getHeight(), band, (int[]) null);
            if (bits >= 8) {
                int shift = bits - 8; // 16-bit samples keep their high byte
                for (int i = 0; i < samples.length; i++) {
                    out[offset + i] = (byte) (samples[i] >>> shift);
                }
            } else {
                int max = (1 << bits) - 1;
                for (int i = 0; i < samples.length; i++) {
                    out[offset + i] = (byte) ((samples[i] * 255 + max / 2) / max);
                }
            }
        }

        /** Drops the alpha: a transparent pixel keeps its colour. */
        private static void split(int argb, byte[] data, int i, int n) {
            data[i] = (byte) (argb >> 16);
            data[n + i] = (byte) (argb >> 8);
            data[2 * n + i] = (byte) argb;
        }

        /** Luminance by ITU-R BT.601, rounded; the weights sum to 1, so a grey pixel keeps its value. */
        Planes grey() {
            int n = height * width;
            byte[] out = new byte[n];
            for (int i = 0; i < n; i++) {
                int r = data[i] & 0xff;
                int g = data[n + i] & 0xff;
                int b = data[2 * n + i] & 0xff;
                out[i] = (byte) ((299 * r + 587 * g + 114 * b + 500) / 1000);
            }
            return new Planes(1, height, width, out);
        }

        Planes resize(int toHeight, int toWidth) {
            if (toHeight == height && toWidth == width) {
                return this;
            }
            int n = height * width;
            if (count == 1) {
                var source = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
                System.arraycopy(data, 0, bytes(source), 0, n);
                var target = new BufferedImage(toWidth, toHeight, BufferedImage.TYPE_BYTE_GRAY);
                draw(source, target);
                return new Planes(1, toHeight, toWidth, bytes(target));
            }
            var source = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            int[] rgb = ints(source);
            for (int i = 0; i < n; i++) {
                rgb[i] = (data[i] & 0xff) << 16 | (data[n + i] & 0xff) << 8 | data[2 * n + i] & 0xff;
            }
            var target = new BufferedImage(toWidth, toHeight, BufferedImage.TYPE_INT_RGB);
            draw(source, target);
            int m = toHeight * toWidth;
            byte[] out = new byte[3 * m];
            int[] scaled = ints(target);
            for (int i = 0; i < m; i++) {
                split(scaled[i], out, i, m);
            }
            return new Planes(3, toHeight, toWidth, out);
        }

        private static void draw(BufferedImage source, BufferedImage target) {
            var g = target.createGraphics();
            try {
                g.setComposite(AlphaComposite.Src);
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
                g.drawImage(source, 0, 0, target.getWidth(), target.getHeight(), null);
            } finally {
                g.dispose();
            }
        }

        private static byte[] bytes(BufferedImage image) {
            return ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        }

        private static int[] ints(BufferedImage image) {
            return ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
        }

        /** Copies this image into {@code pixels} as {@code channels} planes; grey fills all three when asked. */
        void writeTo(byte[] pixels, int offset, int channels) {
            int n = height * width;
            if (channels == count) {
                System.arraycopy(data, 0, pixels, offset, channels * n);
            } else {
                for (int c = 0; c < channels; c++) {
                    System.arraycopy(data, 0, pixels, offset + c * n, n);
                }
            }
        }
    }
}
