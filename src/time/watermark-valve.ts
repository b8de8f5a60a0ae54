/**
 * Combines the watermarks and idleness of an operator's input channels into one, as Flink's
 * `StatusWatermarkValve` does: the output watermark is the minimum over active (aligned) channels,
 * idle channels are left out, and when every channel is idle the operator itself becomes idle.
 * See https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/event-time/generating_watermarks/#dealing-with-idle-sources
 */
export class WatermarkValve {
  private readonly watermarks: Float64Array;
  private readonly idle: Uint8Array;
  private readonly aligned: Uint8Array;
  private lastOutputWatermark = Number.NEGATIVE_INFINITY;
  private lastOutputIdle = false;

  constructor(
    channels: number,
    private readonly onWatermark: (watermark: number) => void,
    private readonly onIdle: (idle: boolean) => void,
  ) {
    this.watermarks = new Float64Array(channels).fill(Number.NEGATIVE_INFINITY);
    this.idle = new Uint8Array(channels);
    this.aligned = new Uint8Array(channels).fill(1);
  }

  get watermark(): number {
    return this.lastOutputWatermark;
  }

  inputWatermark(watermark: number, channel: number): void {
    if (this.idle[channel] === 1 || watermark <= this.watermarks[channel]!) return;
    this.watermarks[channel] = watermark;
    if (this.aligned[channel] === 0 && watermark >= this.lastOutputWatermark) this.aligned[channel] = 1;
    this.outputMinOfAligned();
  }

  inputIdle(idle: boolean, channel: number): void {
    if (idle && this.idle[channel] === 0) {
      this.idle[channel] = 1;
      this.aligned[channel] = 0;
      if (this.idle.every((x) => x === 1)) {
        // Nothing will advance any more: flush to the largest watermark seen, then go idle.
        if (this.watermarks[channel] === this.lastOutputWatermark) this.outputMaxOfAll();
        this.lastOutputIdle = true;
        this.onIdle(true);
      } else if (this.watermarks[channel] === this.lastOutputWatermark) {
        this.outputMinOfAligned();
      }
    } else if (!idle && this.idle[channel] === 1) {
      this.idle[channel] = 0;
      if (this.watermarks[channel]! >= this.lastOutputWatermark) this.aligned[channel] = 1;
      if (this.lastOutputIdle) {
        this.lastOutputIdle = false;
        this.onIdle(false);
      }
    }
  }

  private outputMinOfAligned(): void {
    let min = Number.POSITIVE_INFINITY;
    let any = false;
    for (let i = 0; i < this.watermarks.length; i++) {
      if (this.aligned[i] === 1) {
        any = true;
        if (this.watermarks[i]! < min) min = this.watermarks[i]!;
      }
    }
    if (any && min > this.lastOutputWatermark) {
      this.lastOutputWatermark = min;
      this.onWatermark(min);
    }
  }

  private outputMaxOfAll(): void {
    let max = Number.NEGATIVE_INFINITY;
    for (const w of this.watermarks) if (w > max) max = w;
    if (max > this.lastOutputWatermark) {
      this.lastOutputWatermark = max;
      this.onWatermark(max);
    }
  }
}
