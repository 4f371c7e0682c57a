package io.swapgate.e2e;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/** Benchmark charts as PNG (XChart, headless): titled, with labelled axes (units in the titles) and a legend. */
final class Charts {

    private static final int WIDTH = 960;
    private static final int HEIGHT = 540;

    private Charts() {}

    /** Grouped bars: one group per category, one bar per series. */
    static void bars(
            Path png,
            String title,
            String xTitle,
            String yTitle,
            List<String> categories,
            Map<String, List<Double>> series)
            throws IOException {
        CategoryChart chart = new CategoryChartBuilder()
                .width(WIDTH)
                .height(HEIGHT)
                .title(title)
                .xAxisTitle(xTitle)
                .yAxisTitle(yTitle)
                .build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setDecimalPattern("#,##0.0");
        series.forEach((name, values) -> chart.addSeries(name, categories, values));
        save(chart, png);
    }

    /** Lines over a numeric x axis, optionally logarithmic. */
    static void lines(
            Path png, String title, String xTitle, String yTitle, boolean logX, Map<String, double[][]> series)
            throws IOException {
        XYChart chart = new XYChartBuilder()
                .width(WIDTH)
                .height(HEIGHT)
                .title(title)
                .xAxisTitle(xTitle)
                .yAxisTitle(yTitle)
                .build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setXAxisLogarithmic(logX);
        series.forEach((name, xy) -> chart.addSeries(name, xy[0], xy[1]));
        save(chart, png);
    }

    private static void save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path png) throws IOException {
        String file = png.toString();
        BitmapEncoder.saveBitmap(
                chart,
                file.endsWith(".png") ? file.substring(0, file.length() - 4) : file,
                BitmapEncoder.BitmapFormat.PNG);
    }
}
