/**
 * Every movable object category of the 130 LIBERO tasks, by LIBERO's category name. Models are built once
 * and cached; an unknown category is an error that lists the known ones.
 */
import { blackBook, yellowBook } from "./books.ts";
import { basket, woodenTray } from "./containers.ts";
import { akitaBlackBowl, glazedRimPorcelainRamekin, plate, whiteBowl } from "./dishes.ts";
import {
  alphabetSoup,
  bbqSauce,
  butter,
  chocolatePudding,
  cookies,
  creamCheese,
  ketchup,
  milk,
  newSaladDressing,
  orangeJuice,
  saladDressingModel,
  tomatoSauce,
} from "./groceries.ts";
import { chefmate8Frypan, mokaPot, porcelainMug, redCoffeeMug, whiteYellowMug, wineBottle } from "./kitchenware.ts";
import type { ObjectModel } from "./model.ts";

const FACTORIES: Readonly<Record<string, () => ObjectModel>> = {
  akita_black_bowl: akitaBlackBowl,
  white_bowl: whiteBowl,
  glazed_rim_porcelain_ramekin: glazedRimPorcelainRamekin,
  plate,
  alphabet_soup: alphabetSoup,
  tomato_sauce: tomatoSauce,
  ketchup,
  bbq_sauce: bbqSauce,
  salad_dressing: saladDressingModel,
  new_salad_dressing: newSaladDressing,
  milk,
  orange_juice: orangeJuice,
  butter,
  cream_cheese: creamCheese,
  chocolate_pudding: chocolatePudding,
  cookies,
  chefmate_8_frypan: chefmate8Frypan,
  moka_pot: mokaPot,
  porcelain_mug: porcelainMug,
  red_coffee_mug: redCoffeeMug,
  white_yellow_mug: whiteYellowMug,
  wine_bottle: wineBottle,
  black_book: blackBook,
  yellow_book: yellowBook,
  basket,
  wooden_tray: woodenTray,
};

/** The object categories we model, sorted. */
export const OBJECT_CATEGORIES: readonly string[] = Object.keys(FACTORIES).sort();

const cache = new Map<string, ObjectModel>();

/** The model of an object category; an unknown name is an error listing the known categories. */
export function objectModel(category: string): ObjectModel {
  const hit = cache.get(category);
  if (hit) return hit;
  const factory = FACTORIES[category];
  if (factory === undefined) {
    throw new Error(`Unknown object category "${category}"; the known categories are ${OBJECT_CATEGORIES.join(", ")}.`);
  }
  const model = factory();
  cache.set(category, model);
  return model;
}
