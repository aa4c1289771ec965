package io.gradsign.cli;

import io.gradsign.model.Fgsm;
import io.gradsign.model.FgsmResult;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * The figure of Goodfellow et al. (Deep Learning, figure 7.8) for one sample: x with its class and
 * confidence, + &epsilon; &times; the step's sign, = x' with its new class and confidence. Drawn with
 * java.awt in headless mode; images enlarged by {@link #SCALE}, nearest neighbour.
 */
final class FgsmFigure {
    /** Screen pixels per image pixel. */
    static final int SCALE = 8;
    /** A mistake at least this confident is preferred for the figure. */
    static final float CONFIDENT = 0.7f;

    // the layout, in pixels: margin, panel, operator, panel, operator, panel, margin across;
    // margin, title, panel, caption, footer, half a margin down
    static final int MARGIN = 32;
    static final int OPERATOR_WIDTH = 124;
    static final int TITLE_HEIGHT = 34;
    static final int CAPTION_HEIGHT = 56;
    static final int FOOTER_HEIGHT = 26;

    /**
     * What the figure shows. Images are (rows, cols) row-major in [0, 1]; {@code step} is sign(x' - x)
     * before clipping, in {-1, 0, 1}.
     */
    record Content(float[] clean, float[] step, float[] adversarial, int rows, int cols, float epsilon,
                   String cleanClass, float cleanConfidence, String adversarialClass, float adversarialConfidence,
                   boolean targeted, String footer) {}

    private FgsmFigure() {}

    /**
     * The sample to draw, deterministically: the first one classified correctly at x and wrongly at x'
     * with confidence &ge; {@link #CONFIDENT}; else the most confident of such mistakes; else the first
     * correct sample; else sample 0.
     */
    static int choose(FgsmResult result, int[] labels) {
        int mostConfident = -1;
        for (int i = 0; i < result.count(); i++) {
            if (result.cleanClass()[i] == labels[i] && result.adversarialClass()[i] != labels[i]) {
                if (result.adversarialConfidence()[i] >= CONFIDENT) {
                    return i;
                }
                if (mostConfident < 0 || result.adversarialConfidence()[i] > result.adversarialConfidence()[mostConfident]) {
                    mostConfident = i;
                }
            }
        }
        if (mostConfident >= 0) {
            return mostConfident;
        }
        for (int i = 0; i < result.count(); i++) {
            if (result.cleanClass()[i] == labels[i]) {
                return i;
            }
        }
        return 0;
    }

    /**
     * The sign of the attack's step on one image, unclipped: FGSM with &epsilon; = 1 and clip bounds
     * [-1, 2], which x &plusmn; 1 never leaves for x in [0, 1], so sign(x' - x) is the step's sign
     * (sign(&nabla;&#8339;J), or its opposite for a targeted attack) with no pixel clipped away.
     */
    static float[] stepSign(Fgsm fgsm, Fgsm.Mode mode, float[] image, Integer attackLabel) {
        int[] labels = attackLabel == null ? null : new int[] {attackLabel};
        FgsmResult unclipped = fgsm.attack(mode, image, labels, 1f, -1f, 2f);
        float[] sign = new float[image.length];
        for (int i = 0; i < image.length; i++) {
            sign[i] = Math.signum(unclipped.adversarial()[i] - image[i]);
        }
        return sign;
    }

    /** Draws the figure and writes it as PNG; a missing parent folder is created. */
    static void write(Content content, Path file, PrintWriter err) throws IOException {
        writePng(draw(content, err), file, "the figure");
    }

    /**
     * Writes {@code image} as PNG to {@code file} (for {@code what}, in messages); a missing parent
     * folder is created. Encoded first, then written over a file only: ImageIO.write(File) deletes
     * what is there, an empty directory included.
     */
    static void writePng(BufferedImage image, Path file, String what) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        if (!ImageIO.write(image, "png", png)) {
            throw new IOException(file + ": no PNG writer in this Java runtime");
        }
        if (Files.isDirectory(file)) {
            throw new FileSystemException(file.toString(), null, "is a directory, not a file for " + what);
        }
        Files.write(file, png.toByteArray());
    }

    static BufferedImage draw(Content content, PrintWriter err) {
        int panelWidth = content.cols() * SCALE;
        int panelHeight = content.rows() * SCALE;
        int width = 2 * MARGIN + 3 * panelWidth + 2 * OPERATOR_WIDTH;
        int height = MARGIN + TITLE_HEIGHT + panelHeight + CAPTION_HEIGHT + FOOTER_HEIGHT + MARGIN / 2;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            int top = MARGIN + TITLE_HEIGHT;
            int[] lefts = {MARGIN, MARGIN + panelWidth + OPERATOR_WIDTH, MARGIN + 2 * (panelWidth + OPERATOR_WIDTH)};
            drawPixels(image, lefts[0], top, content.clean(), content.rows(), content.cols(), false);
            drawPixels(image, lefts[1], top, content.step(), content.rows(), content.cols(), true);
            drawPixels(image, lefts[2], top, content.adversarial(), content.rows(), content.cols(), false);
            g.setColor(new Color(160, 160, 160));
            g.setStroke(new BasicStroke(1f));
            for (int left : lefts) {
                g.drawRect(left - 1, top - 1, panelWidth + 1, panelHeight + 1);
            }
            try {
                drawText(g, content, lefts, top, panelWidth, panelHeight);
            } catch (OutOfMemoryError e) {
                throw e;
            } catch (Error | RuntimeException e) {
                // a machine without any font: the panels still say what matters, the console says the rest
                err.println("warning: the figure has no captions, drawing text failed (fonts missing?): " + e);
                err.flush();
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    // one grey level per pixel; the step maps -1, 0, +1 to black, grey, white
    private static void drawPixels(BufferedImage image, int left, int top, float[] values, int rows, int cols,
                                   boolean signed) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                float v = values[r * cols + c];
                float level = signed ? 0.5f + 0.5f * v : v;
                int grey = Math.round(Math.min(Math.max(level, 0f), 1f) * 255f);
                int rgb = (grey << 16) | (grey << 8) | grey;
                for (int y = 0; y < SCALE; y++) {
                    for (int x = 0; x < SCALE; x++) {
                        image.setRGB(left + c * SCALE + x, top + r * SCALE + y, rgb);
                    }
                }
            }
        }
    }

    private static void drawText(Graphics2D g, Content content, int[] lefts, int top, int panelWidth,
                                 int panelHeight) {
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        Font plain = new Font(Font.SANS_SERIF, Font.PLAIN, 17);
        Font bold = plain.deriveFont(Font.BOLD);
        Font large = plain.deriveFont(Font.PLAIN, 28f);
        Font small = plain.deriveFont(Font.PLAIN, 12f);
        String grad = pick(plain, "\u2207\u2093J(\u03b8, x, " + (content.targeted() ? "t" : "y") + ")",
                "grad_x J(theta, x, " + (content.targeted() ? "t" : "y") + ")");
        String minus = pick(plain, "\u2212", "-");
        String sign = "sign(" + grad + ")";
        String eps = pick(plain, "\u03b5", "eps");
        String epsilon = String.format(Locale.ROOT, "%.3g", content.epsilon()).replaceAll("\\.?0+$", "");

        g.setColor(Color.BLACK);
        int titleBase = top - 12;
        centered(g, plain, "x", lefts[0], panelWidth, titleBase);
        // a targeted attack descends the target's loss: its step is -sign(gradient)
        centered(g, plain, (content.targeted() ? minus : "") + sign, lefts[1], panelWidth, titleBase);
        centered(g, plain, "x' = clip(x " + (content.targeted() ? minus : "+") + " " + eps
                + pick(plain, "\u00b7", "*") + sign + ")", lefts[2], panelWidth, titleBase);

        int middle = top + panelHeight / 2 + 10;
        centered(g, large, "+ " + epsilon + " " + pick(large, "\u00d7", "x"), lefts[0] + panelWidth, OPERATOR_WIDTH,
                middle);
        centered(g, large, "=", lefts[1] + panelWidth, OPERATOR_WIDTH, middle);

        int captionBase = top + panelHeight + 24;
        centered(g, bold, content.cleanClass(), lefts[0], panelWidth, captionBase);
        centered(g, plain, percent(content.cleanConfidence()) + " confidence", lefts[0], panelWidth, captionBase + 22);
        centered(g, plain, "white +1, grey 0, black " + minus + "1", lefts[1], panelWidth,
                captionBase);
        centered(g, plain, eps + " = " + epsilon, lefts[1], panelWidth, captionBase + 22);
        g.setColor(new Color(170, 20, 20));
        centered(g, bold, content.adversarialClass(), lefts[2], panelWidth, captionBase);
        centered(g, plain, percent(content.adversarialConfidence()) + " confidence", lefts[2], panelWidth,
                captionBase + 22);

        g.setColor(new Color(90, 90, 90));
        g.setFont(small);
        g.drawString(content.footer(), lefts[0], captionBase + CAPTION_HEIGHT + 8);
    }

    private static String percent(float probability) {
        return String.format(Locale.ROOT, "%.1f%%", 100f * probability);
    }

    // the text where the font has every glyph, else its plain-ASCII stand-in
    private static String pick(Font font, String text, String ascii) {
        return font.canDisplayUpTo(text) == -1 ? text : ascii;
    }

    private static void centered(Graphics2D g, Font font, String text, int left, int width, int baseline) {
        g.setFont(font);
        FontMetrics metrics = g.getFontMetrics();
        g.drawString(text, left + (width - metrics.stringWidth(text)) / 2, baseline);
    }
}
