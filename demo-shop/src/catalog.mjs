// What the two demo stores sell. Prices are integer minor units (cents) of the store's currency, as the
// network wants money: never floats.

/** @typedef {{ sku: string, slug: string, name: string, price: number, image: string, summary: string, description: string, details: string[] }} Product */

/** @type {Product[]} */
export const shopProducts = [
  {
    sku: 'DS-MUG', slug: 'fjord-mug', name: 'Fjord Mug', price: 1800, image: 'mug.svg',
    summary: 'Hand-glazed stoneware, 350 ml.',
    description: 'A generous stoneware mug with a speckled blue glaze that is a little different on every piece. Keeps coffee warm through the first email of the day.',
    details: ['350 ml', 'Dishwasher safe', 'Made in Portugal'],
  },
  {
    sku: 'DS-NOTE', slug: 'linen-notebook', name: 'Linen Notebook', price: 1250, image: 'notebook.svg',
    summary: 'A5, dotted pages, lies flat.',
    description: 'Linen-bound A5 notebook with 160 dotted pages of 100 g paper. The binding lies flat, so both pages are usable to the very edge.',
    details: ['A5, 160 pages', '100 g/m² paper', 'Ribbon marker'],
  },
  {
    sku: 'DS-CANDLE', slug: 'cedar-candle', name: 'Cedar Candle', price: 2400, image: 'candle.svg',
    summary: 'Soy wax, cedar and bergamot.',
    description: 'Poured by hand in small batches: soy wax with cedarwood, bergamot and a little smoke. About 45 hours of slow, even burning.',
    details: ['45 hours burn time', 'Cotton wick', 'Reusable glass'],
  },
  {
    sku: 'DS-THROW', slug: 'wool-throw', name: 'Wool Throw', price: 8900, image: 'throw.svg',
    summary: 'Merino blend, 130 × 170 cm.',
    description: 'A soft merino-blend throw, woven with a quiet stripe. Warm enough for the sofa in January, light enough for a summer evening on the balcony.',
    details: ['130 × 170 cm', '80 % merino wool', 'Gentle wash at 30 °C'],
  },
  {
    sku: 'DS-PLANTER', slug: 'pebble-planter', name: 'Pebble Planter', price: 2990, image: 'planter.svg',
    summary: 'Matte ceramic, with saucer.',
    description: 'A round, matte ceramic planter with a drainage hole and matching saucer. Fits a 12 cm nursery pot: a pothos, a fern, or basil for the kitchen.',
    details: ['Ø 14 cm, 12 cm high', 'Drainage hole and saucer', 'Frost-proof glaze'],
  },
  {
    sku: 'DS-LAMP', slug: 'arc-desk-lamp', name: 'Arc Desk Lamp', price: 6400, image: 'lamp.svg',
    summary: 'Warm LED, three brightness steps.',
    description: 'A slim steel desk lamp with a warm 2700 K LED and a touch dimmer. The arm turns and tilts, so the light lands on the page and not in your eyes.',
    details: ['2700 K warm light', 'Touch dimmer, 3 steps', 'USB-C powered'],
  },
]

/** @type {Product[]} */
export const gardenProducts = [
  {
    sku: 'DG-SEEDS', slug: 'heirloom-tomato-seeds', name: 'Heirloom Tomato Seeds', price: 390, image: 'seeds.svg',
    summary: 'Five old varieties, 50 seeds.',
    description: 'Five heirloom tomato varieties in one packet, from tiny yellow pear tomatoes to a deep red beefsteak. Sow indoors in March, plant out after the last frost.',
    details: ['About 50 seeds', 'Organic, open-pollinated', 'Sowing guide inside'],
  },
  {
    sku: 'DG-CAN', slug: 'copper-watering-can', name: 'Copper Watering Can', price: 3900, image: 'watering-can.svg',
    summary: 'Long spout, 1.5 litres.',
    description: 'A copper-finished watering can with a long, narrow spout that reaches the back of the window box without drowning the front row.',
    details: ['1.5 litres', 'Removable rose', 'Powder-coated steel'],
  },
  {
    sku: 'DG-GLOVES', slug: 'gardening-gloves', name: 'Gardening Gloves', price: 1450, image: 'gloves.svg',
    summary: 'Breathable, with grippy palms.',
    description: 'Light, breathable gloves with latex-coated palms: enough grip for wet pots, enough feel to prick out seedlings.',
    details: ['Sizes S–L', 'Machine washable', 'Touch-screen fingertips'],
  },
  {
    sku: 'DG-TROWEL', slug: 'hand-trowel', name: 'Hand Trowel', price: 1600, image: 'trowel.svg',
    summary: 'Stainless steel, ash handle.',
    description: 'A stainless-steel trowel with depth marks on the blade and an oiled ash handle. For bulbs, herbs and every repotting job.',
    details: ['Depth marks in cm', 'FSC ash handle', 'Lifetime guarantee'],
  },
]
