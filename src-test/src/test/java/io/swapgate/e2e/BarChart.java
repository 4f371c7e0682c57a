package io.swapgate.e2e;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** A plain bar chart written as PNG with java.awt (headless), for benchmark reports. */
final class BarChart {

    /** One bar: its height, the text above it and up to two lines under it. */
    record Bar(double value, String valueLabel, String label, String note) {}

    private BarChart() {}

    static void write(Path png, String title, List<Bar> bars) throws IOException {
        int width = Math.max(720, 140 * bars.size() + 100);
        int height = 420;
        int left = 70;
        int bottom = 70;
        int top = 50;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.DARK_GRAY);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, left - 40, 28);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        double max = bars.stream().mapToDouble(Bar::value).max().orElse(1);
        int plotHeight = height - top - bottom;
        int slot = (width - left - 30) / bars.size();
        g.drawLine(left, height - bottom, width - 20, height - bottom);
        g.drawLine(left, top, left, height - bottom);
        for (int i = 0; i < bars.size(); i++) {
            Bar bar = bars.get(i);
            int barHeight = (int) (plotHeight * bar.value() / max);
            int x = left + i * slot + slot / 4;
            g.setColor(new Color(52, 101, 164));
            g.fillRect(x, height - bottom - barHeight, slot / 2, barHeight);
            g.setColor(Color.DARK_GRAY);
            g.drawString(bar.valueLabel(), x, height - bottom - barHeight - 6);
            g.drawString(bar.label(), x - 8, height - bottom + 18);
            g.drawString(bar.note(), x - 8, height - bottom + 36);
        }
        g.dispose();
        ImageIO.write(image, "png", png.toFile());
    }
}
