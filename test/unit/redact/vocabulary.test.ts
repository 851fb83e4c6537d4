import { expect } from 'chai';
import { EnglishWords, HealthWords, isLowercaseVocabularyWord, isTechnicalWord, NameLikeWords, PlaceWords, TechnicalWords, UpperWords } from '../../../src/redact/vocabulary.js';
import { isSafeWord } from '../../../src/redact/token-classes.js';

/** Common given names and surnames (US census / UK ONS top lists); none may be a technical word. */
const CommonNames = `
  james robert john michael david william richard joseph thomas charles christopher daniel matthew anthony mark
  donald steven paul andrew joshua kenneth kevin brian george timothy ronald jason edward jeffrey ryan jacob gary
  nicholas eric jonathan stephen larry justin scott brandon benjamin samuel gregory alexander frank patrick
  raymond jack dennis jerry tyler aaron jose adam nathan henry douglas zachary peter kyle noah ethan jeremy walter
  christian keith roger terry austin sean gerald carl harold dylan arthur lawrence jordan jesse bryan billy bruce
  gabriel joe logan alan juan albert willie elijah wayne randy vincent mason roy ralph bobby russell bradley
  philip eugene mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty sandra
  margaret ashley kimberly emily donna michelle carol amanda melissa deborah stephanie dorothy rebecca sharon
  laura cynthia amy kathleen angela shirley brenda emma anna pamela nicole samantha katherine christine helen
  debra rachel carolyn janet maria catherine heather diane olivia julie joyce victoria ruth virginia lauren kelly
  christina joan evelyn judith andrea hannah megan cheryl jacqueline martha madison teresa gloria sara janice
  ann kathryn abigail sophia frances jean alice judy isabella julia grace amber denise danielle marilyn beverly
  charlotte natalie theresa diana brittany doris kayla alexis lori marie smith johnson williams brown jones
  garcia miller davis rodriguez martinez hernandez lopez gonzalez wilson anderson taylor moore jackson martin
  lee perez thompson white harris sanchez clark ramirez lewis robinson walker young allen king wright torres
  nguyen hill flores green adams nelson baker hall rivera campbell mitchell carter roberts patel jane doe roe
`.split(/\s+/).filter(Boolean);

describe('redact/vocabulary', () => {
  it('the technical vocabulary holds no common given name or surname', () => {
    expect(CommonNames.filter((n) => TechnicalWords.has(n))).to.deep.equal([]);
  });

  it('no common name is kept capitalised, and none of the removed ones lowercase', () => {
    for (const n of CommonNames) {
      const capitalised = n.charAt(0).toUpperCase() + n.slice(1);
      expect(isSafeWord(capitalised), capitalised).to.equal(false);
      expect(isSafeWord(n.toUpperCase()), n.toUpperCase()).to.equal(false);
    }
    for (const n of NameLikeWords) expect(isLowercaseVocabularyWord(n) && !TechnicalWords.has(n), n).to.equal(false);
  });

  it('health terms and place names are removed from the English list', () => {
    for (const w of [...HealthWords, ...PlaceWords]) expect(EnglishWords.has(w), w).to.equal(false);
    for (const w of ['schizophrenia', 'hiv', 'berlin', 'jane', 'smith']) expect(isSafeWord(w), w).to.equal(false);
  });

  it('keeps lowercase English words only when they are lowercase in the source', () => {
    expect(EnglishWords.size).to.be.greaterThan(250_000);
    expect(isSafeWord('street')).to.equal(true);
    expect(isSafeWord('Street')).to.equal(false); // capitalised: read as part of a name
    expect(isSafeWord('Connection')).to.equal(true); // technical words in any case
    expect(isTechnicalWord('REFUSED')).to.equal(true);
  });

  it('keeps error classes, safe all-caps words and compound identifiers of vocabulary parts', () => {
    for (const w of ['NullPointerException', 'KeyError', 'PSQLException', 'ECONNREFUSED', 'SQLSTATE', 'ERR_HTTP_HEADERS_SENT', 'PatientService', 'patient_id', 'getName', 'v2', 'k8s', 'sha256']) {
      expect(isSafeWord(w), w).to.equal(true);
    }
    for (const w of ['JaneRoe', 'QuixburyService', 'MRN00482913', 'NW1', 'HIV', 'Marisol']) expect(isSafeWord(w), w).to.equal(false);
    expect(UpperWords.has('ECONNREFUSED')).to.equal(true);
  });
});
